from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "Loyalty programs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from campaigns.signals import segments_entered

        from .services.event_earning import on_segments_entered

        # A customer entering a segment earns the points of rules on customer.segment.entered.
        segments_entered.connect(on_segments_entered, dispatch_uid="loyalty.segment_entered")
