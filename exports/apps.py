from importlib import import_module

from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The catalogue's export sources register themselves in exports.sources.SOURCES when imported.
        import_module("exports.catalogue")
        import_module("exports.loyalty_sources")
        import_module("exports.referral_sources")
