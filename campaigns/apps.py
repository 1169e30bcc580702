from django.apps import AppConfig
from django.core.checks import Tags, register


class CampaignsConfig(AppConfig):
    name = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .checks import stored_rules_are_readable

        register(stored_rules_are_readable, Tags.database)
