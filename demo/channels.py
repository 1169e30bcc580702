"""Who makes the demo's calls, and the calls themselves, made as the product makes them.

An API channel is an API key (its name is the channel: Web shop, Mobile app, POS Warsaw). Its calls parse
the JSON body with the endpoint's schema (``StackIn``), call the service the endpoint calls with the
caller the endpoint builds, render the answer with the endpoint's serializers and write the request log
the audit middleware writes (secrets removed by the same ``parse_body``). The admin's dashboard calls
use the caller of a logged-in user and, like the dashboard, leave no request log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from auditlog.services import parse_body, write_request_log
from redemptions.schemas import RollbackIn, StackIn
from redemptions.serializers import redemption_call_json, rollback_call_json, validation_call_json
from redemptions.services.redemption import RedemptionOutcome, redeem
from redemptions.services.rollback import RollbackOutcome, rollback_redemption
from redemptions.services.validation import ValidationOutcome, validate
from sessions.services import release_session_lock
from stacking.services import cached_stacking_categories
from voucherhub.api.errors import error_body, status_of
from voucherhub.api.rendering import json_response
from voucherhub.caller import Caller
from voucherhub.ids import new_request_id
from voucherhub.models import ApiKey
from voucherhub.services import create_api_key

from .catalogue import API_CHANNELS

JSON = "application/json"


@dataclass
class Channel:
    """An API key with the client behind it, or (``key`` None) a dashboard user."""

    name: str
    key: ApiKey | None = None
    user: object = None
    user_agent: str = ""
    origin: str = ""
    weight: int = 1
    metadata: dict = field(default_factory=dict)

    def caller(self, request_id: str | None) -> Caller:
        return Caller.for_api_key(self.key, request_id) if self.key else Caller.for_user(self.user)


def api_channels(admin) -> list[Channel]:
    """The demo's API keys, created by the admin on first use (a key is found again by its name)."""
    channels = []
    for name, weight, agent, origin, metadata in API_CHANNELS:
        key = ApiKey.objects.filter(name=name, revoked_at=None).order_by("created_at").first()
        if key is None:
            key, _token = create_api_key(name=name, created_by=admin)  # the token is never shown or kept
        channels.append(Channel(name, key=key, user_agent=agent, origin=origin, weight=weight, metadata=metadata))
    return channels


def _answered(
    channel: Channel, path: str, body: dict | None, run: Callable[[Caller], tuple], query=None, method="POST"
):
    """Run one call as the endpoint does; for an API key, also write its request log."""
    started = time.perf_counter()
    request_id = new_request_id() if channel.key else None
    outcome, status, answer = run(channel.caller(request_id))
    if channel.key:
        raw = json.dumps(body).encode() if body is not None else b""
        content = json_response(answer, status=status).content if answer is not None else b""
        write_request_log(
            id=request_id,
            method=method,
            path=path,
            query=query or {},
            request_body=parse_body(raw, JSON),
            response_status=status,
            response_body=parse_body(content, JSON),
            ip="10.0.0.10",
            origin=channel.origin,
            user_agent=channel.user_agent,
            channel_type="API",
            channel_id=channel.key.name,
            api_key=channel.key,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
    return outcome


def call_validate(channel: Channel, body: dict) -> ValidationOutcome:
    """``POST /v1/validations``."""

    def run(caller: Caller):
        outcome = validate(StackIn.model_validate(body).to_request(), caller=caller)
        return outcome, 200, validation_call_json(outcome, cached_stacking_categories(), request_id=caller.request_id)

    return _answered(channel, "/v1/validations", body, run)


def call_redeem(channel: Channel, body: dict) -> RedemptionOutcome:
    """``POST /v1/redemptions`` (or the dashboard's redeem for a user)."""

    def run(caller: Caller):
        outcome = redeem(StackIn.model_validate(body).to_request(), caller=caller)
        if outcome.error is not None:
            return outcome, status_of(outcome.error), error_body(outcome.error, caller.request_id)
        return outcome, 200, redemption_call_json(outcome, request_id=caller.request_id)

    return _answered(channel, "/v1/redemptions", body, run)


def call_rollback(channel: Channel, redemption_id: str, reason: str, *, stacked: bool) -> RollbackOutcome:
    """``POST /v1/redemptions/{id}/rollback`` (``/rollbacks`` for a stacked parent), reason in the query."""

    def run(caller: Caller):
        request = RollbackIn().to_request(redemption_id, reason=reason, tracking_id=None, stacked=stacked)
        outcome = rollback_redemption(request, caller=caller)
        if outcome.error is not None:
            return outcome, status_of(outcome.error), error_body(outcome.error, caller.request_id)
        return outcome, 200, rollback_call_json(outcome, stacked=stacked)

    path = f"/v1/redemptions/{redemption_id}/rollback{'s' if stacked else ''}"
    return _answered(channel, path, None, run, query={"reason": [reason]})


def call_release_lock(channel: Channel, code: str, session_key: str) -> None:
    """``DELETE /v1/vouchers/{code}/sessions/{key}``: 204, no body."""

    def run(caller: Caller):
        release_session_lock(code=code, session_key=session_key, caller=caller)
        return None, 204, None

    _answered(channel, f"/v1/vouchers/{code}/sessions/{session_key}", None, run, method="DELETE")
