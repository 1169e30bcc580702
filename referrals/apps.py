from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referral programs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from campaigns.models import CampaignType
        from campaigns.services import figures

        from .queries import rewards_figures

        # A big program's rewards by tier and role are added up with its codes, every minute.
        figures.add_figures(CampaignType.REFERRAL_PROGRAM, rewards_figures)
