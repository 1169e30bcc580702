from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "outbound"
    verbose_name = "Webhooks and distributions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every event written to the audit trail is offered to the outbox, in the transaction that wrote it.
        from auditlog import outbox

        from .services import queueing

        outbox.listen(queueing.event_written)
        outbox.listen_to_statements(queueing.statement_deliveries)
