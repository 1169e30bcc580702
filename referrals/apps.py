from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referral programs"
    default_auto_field = "django.db.models.BigAutoField"
