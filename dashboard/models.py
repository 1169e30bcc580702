"""What a dashboard user chooses for themself: the time zone their pages show times in."""

from django.conf import settings
from django.db import models


class UserPreference(models.Model):
    """One row per user who changed a preference; a user without one follows the browser's zone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="preference"
    )
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="An IANA time zone (Europe/Warsaw); empty: the browser's zone."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.time_zone or 'browser'}"
