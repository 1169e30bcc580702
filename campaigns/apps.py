from django.apps import AppConfig
from django.core.checks import Tags, register


class CampaignsConfig(AppConfig):
    name = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog import wording

        from .checks import stored_rules_are_readable
        from .queries import tier_names

        register(stored_rules_are_readable, Tags.database)
        # The audit log's pages name a promotion tier by its name, one query a page (auditlog.wording).
        wording.lend(tier_names=tier_names)
