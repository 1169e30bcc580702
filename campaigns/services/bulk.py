"""Bulk changes and imports of customers and vouchers, run by a worker as the platform's async actions.

``POST /v1/customers/bulk/async`` (each customer upserted by source_id), ``/v1/customers/metadata/async``
(the same metadata merged into each listed customer), ``/v1/vouchers/bulk/async`` (each code's metadata)
and ``/v1/vouchers/metadata/async`` (the same metadata merged into each listed code) store an
``AsyncAction`` in the caller's transaction and answer its id; a worker applies it in batches, each in its
own transaction with the action's progress, so a worker that dies leaves a consistent state and the reaper
hands the action out again (every change is idempotent: a merge or an upsert; an import's code taken by
an earlier attempt is that item's error). ``POST /v1/vouchers/import`` and ``/v1/campaigns/{id}/import``
create vouchers the same way, and so do the CSV imports (their rows read into the same items). An app
above this one hands in the items of its own kind of action (``handle``: an order import is
redemptions'). The result lists each item and what became of it.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import OperationalError, transaction
from django.utils import timezone

from voucherhub.caller import Caller
from voucherhub.errors import DomainError
from voucherhub.jobs import JobKind

from ..models import AsyncAction, Customer, GenerationStatus, Voucher
from .customers import upsert_customer
from .requests import Discount, Gift
from .vouchers import create_voucher

log = logging.getLogger(__name__)
BATCH = 500  # items a transaction applies (and a heartbeat with progress after each)
MAX_ITEMS = 10_000  # items one request may ask for


class BulkJobs(JobKind):
    model = AsyncAction
    label = "async action"
    task = "campaigns.tasks.run_async_action"
    failed_status = GenerationStatus.FAILED
    outage_errors = (OperationalError,)
    log = log


JOBS = BulkJobs()
# Items of actions that apps above this one apply (an order import is redemptions'): type -> what applies one
# item in the batch's transaction, answering what it became ({"imported": bool, ...}).
HANDLERS: dict[str, Callable[[dict, Caller], dict]] = {}
IMPORTS = {AsyncAction.Type.VOUCHERS_IMPORT, AsyncAction.Type.CAMPAIGN_IMPORT, AsyncAction.Type.ORDERS_IMPORT}


def handle(type: str, apply: Callable[[dict, Caller], dict]) -> None:
    """Let an app above apply the items of ``type`` (called from its AppConfig.ready)."""
    HANDLERS[type] = apply


def schedule(type: str, payload: dict, *, caller: Caller) -> AsyncAction:
    """Store the action and send it to a worker once the caller's transaction commits."""
    with transaction.atomic():
        action = AsyncAction.objects.create(type=type, payload=payload, request_log_id=caller.request_id or "")
        JOBS.enqueue_on_commit(action.pk)
    return action


def run_async_action(action_id: str) -> AsyncAction | None:
    """The task's body: claim the action, apply its items batch by batch, then mark it DONE."""
    return JOBS.run(action_id, _apply)


def _apply(action: AsyncAction) -> None:
    items = _items(action)
    results: list[dict] = []
    for start in range(0, len(items), BATCH):
        with transaction.atomic():
            results.extend(_apply_one(action, item) for item in items[start : start + BATCH])
        done = min(start + BATCH, len(items))
        JOBS.beat(action.pk, attempt=action.attempts, progress=min(99, done * 100 // max(len(items), 1)))
    importing = action.type in IMPORTS
    changed = sum(1 for r in results if r.get("imported" if importing else "updated"))
    message = f"{changed} of {len(results)} {'imported' if importing else 'updated'}"
    JOBS.finish(action.pk, attempt=action.attempts, progress=100, result={"message": message, "results": results})


def _items(action: AsyncAction) -> list[dict]:
    """Each item of the action as one change: its key (source_id or code) and what it sets."""
    payload = action.payload
    if action.type == AsyncAction.Type.CUSTOMERS_METADATA:
        return [{"source_id": ref, "metadata": payload["metadata"]} for ref in payload["source_ids"]]
    if action.type == AsyncAction.Type.VOUCHERS_METADATA:
        return [{"code": code, "metadata": payload["metadata"]} for code in payload["codes"]]
    return list(payload["items"])


def _apply_one(action: AsyncAction, item: dict) -> dict:
    if action.type in HANDLERS:
        return HANDLERS[action.type](item, _caller(action))
    if action.type in (AsyncAction.Type.VOUCHERS_IMPORT, AsyncAction.Type.CAMPAIGN_IMPORT):
        return _import(action, item)
    if action.type in (AsyncAction.Type.CUSTOMERS_UPDATE, AsyncAction.Type.CUSTOMERS_METADATA):
        if (
            action.type == AsyncAction.Type.CUSTOMERS_METADATA
            and not Customer.objects.filter(source_id=item["source_id"]).exists()
        ):
            return {"source_id": item["source_id"], "updated": False, "found": False}
        fields = {key: item.get(key) for key in ("name", "email", "description", "metadata")}
        upsert_customer(source_id=item["source_id"], caller=_caller(action), **fields)
        return {"source_id": item["source_id"], "updated": True, "found": True}
    voucher = Voucher.objects.select_for_update().filter(code=item["code"], deleted_at__isnull=True).first()
    if voucher is None:
        return {"code": item["code"], "updated": False, "found": False}
    voucher.metadata = {**voucher.metadata, **(item.get("metadata") or {})}
    voucher.updated_at = timezone.now()
    voucher.save(update_fields=["metadata", "updated_at"])
    return {"code": item["code"], "updated": True, "found": True}


def _import(action: AsyncAction, item: dict) -> dict:
    """One imported voucher (create_voucher in a savepoint): a taken code or a wrong value is that item's
    error, the others go on."""
    dates = {name: datetime.fromisoformat(item[name]) if item.get(name) else None for name in _DATES}
    fields = {key: item.get(key) for key in _VOUCHER_FIELDS}
    try:
        with transaction.atomic():
            create_voucher(
                caller=_caller(action),
                discount=Discount.from_stored(item.get("discount")),
                gift=Gift.from_stored(item.get("gift")),
                **dates,
                **fields,
            )
    except DomainError as error:
        return {"code": item["code"], "imported": False, "error": error.details or error.message}
    return {"code": item["code"], "imported": True}


_DATES = ("start_date", "expiration_date")
_VOUCHER_FIELDS = (
    "code", "type", "campaign", "campaign_id", "category", "category_id", "active", "metadata", "redemption_quantity",
)  # fmt: skip


def _caller(action: AsyncAction) -> Caller:
    """The events of an action's changes name the API and link the request that asked for it."""
    return Caller("API", "async action", request_id=action.request_log_id or None)


def reap_async_actions() -> dict[str, int]:
    return JOBS.reap()
