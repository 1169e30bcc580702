"""Creating and revoking API keys from the dashboard: the key's change and its event in one transaction.
The event names the key (id, name, app id), never its token."""

from django.db import transaction

from auditlog.services import record_event
from voucherhub import services as keys
from voucherhub.caller import Caller
from voucherhub.errors import DomainError
from voucherhub.models import ApiKey


def _data(key: ApiKey) -> dict:
    return {"name": key.name, "app_id": key.app_id, "ends_with": key.token_hint, "can_manage": key.can_manage}


def create_key(*, name: str, user, caller: Caller, can_manage: bool = False) -> tuple[ApiKey, str]:
    """A new active key and its token, which is not stored: the caller shows it once. ``can_manage``: it
    opens /management/v1/ too (webhooks)."""
    with transaction.atomic():
        key, token = keys.create_api_key(name=name, created_by=user, can_manage=can_manage)
        record_event("api_key.created", caller=caller, resource_type="api_key", resource_id=key.pk, data=_data(key))
    return key, token


def revoke_key(*, key_id: str, caller: Caller) -> ApiKey:
    """Revoke the key: every server refuses it within voucherhub.api.auth.KEY_CACHE_SECONDS. Revoking a
    revoked key is a DomainError (nothing changes, no event)."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(pk=key_id).first()
        if key is None:
            raise DomainError("not_found", "Resource not found", f"Cannot find API key with id {key_id}")
        if not key.is_active:
            raise DomainError("already_revoked", "Already revoked", f"The key {key.name} was already revoked.")
        keys.revoke_api_key(key=key)
        key.refresh_from_db()
        record_event("api_key.revoked", caller=caller, resource_type="api_key", resource_id=key.pk, data=_data(key))
    return key
