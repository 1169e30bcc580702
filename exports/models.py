"""CSV exports built by Celery workers, and the per-user notifications that deliver them."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from voucherhub.ids import ID_LENGTH, id_default
from voucherhub.jobs import BackgroundJob


def new_download_token() -> str:
    return secrets.token_urlsafe(32)


class ExportStatus(models.TextChoices):
    SCHEDULED = "SCHEDULED", "Scheduled"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    DONE = "DONE", "Done"
    ERROR = "ERROR", "Error"


class Export(BackgroundJob):
    """A CSV export; a job run by ``exports.services.EXPORT_JOBS`` (voucherhub.jobs), its heartbeat written
    every few seconds while rows stream."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("exp_"), editable=False)
    exported_object = models.CharField(max_length=32, default="redemption")
    parameters = models.JSONField(default=dict, blank=True, help_text="fields, order and filters")
    status = models.CharField(max_length=12, choices=ExportStatus.choices, default=ExportStatus.SCHEDULED)
    channel = models.CharField(max_length=8, choices=[("API", "API"), ("WEBSITE", "Website")], default="WEBSITE")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    api_key = models.ForeignKey("voucherhub.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="exports/", blank=True)
    token = models.CharField(max_length=64, default=new_download_token, editable=False, unique=True)
    rows = models.PositiveBigIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes.")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done while in progress.")
    # The zone of whoever asked (dashboard.timezones): the worker reads the dashboard's date filters in it,
    # as the list did. An API export is UTC, as the API reads dates.
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="export_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=["API", "WEBSITE"]), name="export_channel_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_range"),
            # Only a finished export has a file to offer.
            models.CheckConstraint(condition=Q(status="DONE") | Q(file=""), name="export_file_only_when_done"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="export_user_idx"),
            models.Index(fields=["api_key", "-created_at"], name="export_api_key_idx"),
            # The reaper's scan: only unfinished exports, a handful at any time.
            models.Index(
                fields=["status"], condition=Q(status__in=["SCHEDULED", "IN_PROGRESS"]), name="export_unfinished_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.id


class Notification(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("ntf_"), editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    export = models.ForeignKey(Export, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=500)
    link = models.CharField(max_length=300, blank=True, default="", help_text="A dashboard path it opens.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
        ]

    def __str__(self) -> str:
        return self.message
