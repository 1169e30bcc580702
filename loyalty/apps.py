from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "Loyalty programs"
    default_auto_field = "django.db.models.BigAutoField"
