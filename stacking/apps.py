from django.apps import AppConfig


class StackingConfig(AppConfig):
    name = "stacking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The audit log's pages word a failure with the sentence every page uses (auditlog.wording).
        from auditlog import wording

        from .reasons import sentence

        wording.lend(reason=sentence)
