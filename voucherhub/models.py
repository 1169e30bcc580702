"""Models of the project plumbing: API keys and the worker heartbeat. Shared choices live here too."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from .ids import ID_LENGTH, id_default


class ChannelType(models.TextChoices):
    """Who made a call: an API key, or a person in the dashboard."""

    API = "API", "API"
    USER = "USER", "User"


class ApiKey(models.Model):
    """An application's credentials for /v1/: ``X-App-Id`` is ``app_id``, the token is stored hashed.

    The token is shown once, when the key is created; only its SHA-256 digest is kept. Tokens are
    256-bit random values, so an unsalted fast hash is enough (nothing to brute force).
    """

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("key_"), editable=False)
    name = models.CharField(max_length=100, help_text="Shown as the channel of every call made with this key.")
    app_id = models.CharField(max_length=64, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    token_hint = models.CharField(max_length=8, editable=False, help_text="Last characters of the token.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Also accepted by /management/v1/ (X-Management-Id / X-Management-Token): project settings, webhooks.
    can_manage = models.BooleanField(default=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def generate_credentials() -> tuple[str, str]:
        """A fresh (app_id, token) pair."""
        return secrets.token_hex(16), secrets.token_urlsafe(32)

    def token_matches(self, token: str) -> bool:
        return secrets.compare_digest(self.token_hash, self.hash_token(token))


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the periodic heartbeat task; shown on the home page."""

    name = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()
    beats = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class IdempotencyKey(models.Model):
    """The stored answer to a POST sent with an ``Idempotency-Key`` header.

    A replay within 24 hours with the same request returns this answer and changes nothing; the same
    key with another request is refused with 409. Keys belong to the API key that used them.
    """

    TTL_HOURS = 24

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and the canonical body.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return self.key
