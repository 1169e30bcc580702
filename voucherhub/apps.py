from django.apps import AppConfig


class VoucherHubConfig(AppConfig):
    name = "voucherhub"
    verbose_name = "VoucherHub"
    default_auto_field = "django.db.models.BigAutoField"
