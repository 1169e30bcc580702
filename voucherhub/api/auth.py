"""API keys: ``X-App-Id`` + ``X-App-Token`` must match an active key (the token is compared hashed)."""

import time

from ninja.security import APIKeyHeader

from voucherhub.models import ApiKey
from voucherhub.services import note_key_used

# How long a process may keep using an active key it has looked up: a key revoked (or renamed) in the
# database is refused by every process at most this many seconds later. Tokens are checked on every call.
KEY_CACHE_SECONDS = 5.0
_KEY_CACHE_SIZE = 1000
_active_keys: dict[str, tuple[float, ApiKey]] = {}  # app_id -> (looked up until, key); shared by threads


def active_key(app_id: str) -> ApiKey | None:
    """The active key of ``app_id``, read from the database at most every KEY_CACHE_SECONDS per process."""
    now = time.monotonic()
    cached = _active_keys.get(app_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    api_key = ApiKey.objects.filter(app_id=app_id, revoked_at__isnull=True).first()
    if api_key is None:
        _active_keys.pop(app_id, None)
        return None
    if len(_active_keys) >= _KEY_CACHE_SIZE:
        _active_keys.clear()
    _active_keys[app_id] = (now + KEY_CACHE_SECONDS, api_key)
    return api_key


def forget_key(app_id: str) -> None:
    """Drop this process's copy of a key (just revoked): its next call is checked against the database."""
    _active_keys.pop(app_id, None)


class AppKeyAuth(APIKeyHeader):
    """``X-App-Id`` + ``X-App-Token`` must match an active key (see KEY_CACHE_SECONDS)."""

    param_name = "X-App-Token"
    id_header = "X-App-Id"

    def allowed(self, api_key) -> bool:
        return True

    def authenticate(self, request, key: str | None):
        app_id = request.headers.get(self.id_header, "")
        if not key or not app_id or "\x00" in app_id + key:
            return None
        api_key = active_key(app_id)
        if api_key is None or not self.allowed(api_key) or not api_key.token_matches(key):
            return None
        note_key_used(api_key)
        request.api_key = api_key
        return api_key


class ManagementKeyAuth(AppKeyAuth):
    """``X-Management-Id`` + ``X-Management-Token``: an active key created with management rights."""

    param_name = "X-Management-Token"
    id_header = "X-Management-Id"

    def allowed(self, api_key) -> bool:
        return api_key.can_manage
