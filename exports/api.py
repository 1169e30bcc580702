"""/v1/exports: create, get, download, list and delete exports; keys see their own.

``GET /v1/exports/{id}`` is also the download: with ``?token=`` (the export's unguessable token, as in
``result.url``) or ``Accept: text/plain`` it answers the CSV as ``text/plain`` (the SDK refuses
``text/csv``). The token alone is enough to download, as on the platform's download host; a wrong
token is 401. Without a token the call needs the key, as every other call.
"""

import re
import secrets
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from ninja import Router
from pydantic import BaseModel, ConfigDict, Field

from campaigns.queries import find_campaign, find_voucher
from loyalty.queries import find_card, find_program
from voucherhub.api.auth import AppKeyAuth
from voucherhub.api.context import caller_of
from voucherhub.api.errors import unauthorized
from voucherhub.errors import DomainError, invalid_query_params, not_found
from voucherhub.wire import iso, list_json

from . import services
from .models import Export, ExportStatus
from .sources import METADATA_PREFIX, SOURCES, ExportParamsError, get_source

router = Router(tags=["exports"])

ORDERS = {"created_at": ("created_at", "id"), "-created_at": ("-created_at", "-id"), "status": ("status", "id")}
ORDERS["-status"] = ("-status", "-id")


class ExportParametersIn(BaseModel):  # pydantic's, not ninja's Schema: that reads a list as an empty object
    fields: list[str] | None = None
    # Checked by the source (ExportParamsError), so that the dashboard's form and the API say the same.
    order: str | None = Field(None, json_schema_extra=lambda schema: schema.update(enum=_orders(*SOURCES.values())))
    filters: dict[str, Any] | None = Field(
        None,
        json_schema_extra={
            "description": 'The platform\'s filters: {"junction": "and", "<field>": {"conditions": {"$is": value}}}.',
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_.]*$"},
            "properties": {"junction": {"type": "string", "pattern": "^([aA][nN][dD]|[oO][rR])$"}},
            "additionalProperties": {
                "type": "object",
                "required": ["conditions"],
                "properties": {
                    "conditions": {"type": "object", "minProperties": 1, "propertyNames": {"pattern": "^\\$[a-z_]+$"}}
                },
            },
        },
    )


def _sources_as_enum(schema: dict) -> None:
    schema["enum"] = sorted(SOURCES)  # what can be exported, as the document says it


def _orders(*sources) -> list:
    """The ``parameters.order`` values these sources take (Source.rows), and null."""
    names = sorted({name for source in sources for name in source.order_fields})
    return [*names, *(f"-{name}" for name in names), None]


def _fields_of(source) -> dict:
    """The field names and orders an export of ``source`` takes (Source.clean_fields, Source.rows), as JSON
    Schema."""
    names: list[dict] = [{"enum": sorted(source.columns)}]
    if source.metadata_field:
        names.append({"type": "string", "pattern": f"^{re.escape(METADATA_PREFIX)}[A-Za-z0-9_\\-]+$"})
    fields = {"anyOf": [{"type": "null"}, {"type": "array", "items": {"anyOf": names}}]}
    properties = {"fields": fields, "order": {"enum": _orders(source)}}
    return {"anyOf": [{"type": "null"}, {"type": "object", "properties": properties}]}


def _fields_per_source(schema: dict) -> None:
    schema["allOf"] = [
        {
            "if": {"properties": {"exported_object": {"const": name}}, "required": ["exported_object"]},
            "then": {"properties": {"parameters": _fields_of(source)}},
        }
        for name, source in sorted(SOURCES.items())
    ]


class ExportIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=_fields_per_source)

    exported_object: str = Field(json_schema_extra=_sources_as_enum)
    parameters: ExportParametersIn | None = None


def _wire_fields(fields: list[str]) -> list[str]:
    """The SDK refuses ``metadata.<key>`` in a response: each collapses to ``metadata``."""
    wire: list[str] = []
    for name in fields:
        name = "metadata" if name.startswith(METADATA_PREFIX) else name
        if name not in wire:
            wire.append(name)
    return wire


def export_json(request, export: Export) -> dict:
    parameters: dict = {"fields": _wire_fields(export.parameters.get("fields") or [])}
    if export.parameters.get("order"):
        parameters["order"] = export.parameters["order"]
    if export.parameters.get("filters"):
        parameters["filters"] = export.parameters["filters"]
    result = None
    if export.status == ExportStatus.DONE:
        result = {"url": request.build_absolute_uri(f"/v1/exports/{export.pk}?token={export.token}")}
    return {
        "id": export.pk,
        "object": "export",
        "created_at": iso(export.created_at),
        "status": export.status,
        "channel": export.channel,
        "exported_object": export.exported_object,
        "parameters": parameters,
        "result": result,
        "user_id": str(export.user_id) if export.user_id else None,
    }


def _own(request) -> QuerySet:
    return Export.objects.filter(api_key=request.auth)


def _get_own(request, export_id: str) -> Export:
    export = _own(request).filter(pk=export_id).first()
    if export is None:
        raise not_found("export", export_id)
    return export


@router.post("/exports", summary="Create an export (ExportsApi.create_export)")
def create_export(request, payload: ExportIn):
    parameters = payload.parameters or ExportParametersIn()
    try:
        export = services.request_export(
            exported_object=payload.exported_object,
            fields=parameters.fields,
            filters=parameters.filters,
            order=parameters.order or None,
            channel="API",
            api_key=request.auth,
            caller=caller_of(request),
        )
    except ExportParamsError as problem:
        message = "Invalid export fields" if problem.key == "invalid_export_fields" else "Invalid export params"
        raise DomainError(problem.key, message, problem.message) from None
    # The state at creation: the worker may already have picked it up, but the SDK accepts only SCHEDULED here.
    return export_json(request, export)


class OrderExportIn(BaseModel):
    """``POST /v1/orders/export``: an export of orders, its parameters as an order export takes them."""

    model_config = ConfigDict(
        json_schema_extra=lambda schema: schema.update(
            allOf=[{"properties": {"parameters": _fields_of(get_source("order"))}}]
        )
    )

    parameters: ExportParametersIn | None = None


@router.post("/orders/export", summary="Export orders (OrdersApi.create_order_export): POST /v1/exports of orders")
def create_order_export(request, payload: OrderExportIn):
    return create_export(request, ExportIn(exported_object="order", parameters=payload.parameters))


class TransactionExportIn(BaseModel):
    """``POST /v1/campaigns/{id}/transactions/export``, ``/v1/vouchers/{code}/transactions/export`` and the
    loyalty ones: an export of the gift-card and loyalty transactions of that campaign or card."""

    model_config = ConfigDict(
        json_schema_extra=lambda schema: schema.update(
            allOf=[{"properties": {"parameters": _fields_of(get_source("voucher_transactions"))}}]
        )
    )

    parameters: ExportParametersIn | None = None


def _transactions_of(request, payload: TransactionExportIn, field: str, value: str):
    parameters = payload.parameters or ExportParametersIn()
    filters = {**(parameters.filters or {}), field: {"conditions": {"$is": value}}}
    narrowed = ExportParametersIn(fields=parameters.fields, order=parameters.order, filters=filters)
    return create_export(request, ExportIn(exported_object="voucher_transactions", parameters=narrowed))


@router.post(
    "/campaigns/{campaign_id}/transactions/export",
    summary="Export the balance changes of a campaign's gift cards (CampaignsApi.export_campaign_transactions)",
)
def export_campaign_transactions(request, campaign_id: str, payload: TransactionExportIn):
    return _transactions_of(request, payload, "campaign_id", find_campaign(campaign_id).pk)


@router.post(
    "/vouchers/{code}/transactions/export",
    summary="Export a gift card's balance changes (VouchersApi.export_voucher_transactions)",
)
def export_voucher_transactions(request, code: str, payload: TransactionExportIn):
    return _transactions_of(request, payload, "voucher_id", find_voucher(code).pk)


@router.post(
    "/loyalties/{campaign_id}/transactions/export",
    summary="Export the points changes of a program's cards (LoyaltiesApi.export_loyalty_campaign_transactions)",
)
def export_loyalty_campaign_transactions(request, campaign_id: str, payload: TransactionExportIn):
    return _transactions_of(request, payload, "campaign_id", find_program(campaign_id).pk)


@router.post(
    "/loyalties/members/{member_id}/transactions/export",
    summary="Export a loyalty card's points changes (LoyaltiesApi.export_loyalty_card_transactions)",
)
def export_loyalty_card_transactions(request, member_id: str, payload: TransactionExportIn):
    return _transactions_of(request, payload, "voucher_id", find_card(member_id).pk)


@router.post(
    "/loyalties/{campaign_id}/members/{member_id}/transactions/export",
    summary="Export a loyalty card's points changes (LoyaltiesApi.export_loyalty_card_transactions1)",
)
def export_loyalty_card_transactions1(request, campaign_id: str, member_id: str, payload: TransactionExportIn):
    return _transactions_of(request, payload, "voucher_id", find_card(member_id, campaign=find_program(campaign_id)).pk)


class PointsExpirationExportIn(BaseModel):
    """``POST /v1/loyalties/{id}/points-expiration/export``: the program's points still to expire."""

    model_config = ConfigDict(
        json_schema_extra=lambda schema: schema.update(
            allOf=[{"properties": {"parameters": _fields_of(get_source("points_expiration"))}}]
        )
    )

    parameters: ExportParametersIn | None = None


@router.post(
    "/loyalties/{campaign_id}/points-expiration/export",
    summary="Export a program's points still to expire (LoyaltiesApi.create_points_expiration_export)",
)
def create_points_expiration_export(request, campaign_id: str, payload: PointsExpirationExportIn):
    parameters = payload.parameters or ExportParametersIn()
    campaign = {"campaign_id": {"conditions": {"$is": find_program(campaign_id).pk}}}
    narrowed = ExportParametersIn(
        fields=parameters.fields, order=parameters.order, filters={**(parameters.filters or {}), **campaign}
    )
    return create_export(request, ExportIn(exported_object="points_expiration", parameters=narrowed))


@router.get("/exports", summary="List the key's exports (ExportsApi.list_exports)")
def list_exports(request):
    limit, page = _positive(request, "limit", 10, 100), _positive(request, "page", 1, 10_000)
    order = request.GET.get("order") or "-created_at"
    if order not in ORDERS:
        raise invalid_query_params(f"Unknown sort order {order!r}")
    exports = _own(request).select_related("user").order_by(*ORDERS[order])
    items = list(exports[(page - 1) * limit : page * limit])
    return list_json("exports", [export_json(request, e) for e in items], exports.count())


def _positive(request, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise invalid_query_params(f"{name} must be 1 to {maximum}")
    return int(raw)


@router.get(
    "/exports/{export_id}",
    auth=None,  # a download link carries its own token; without one the key is checked below
    summary="Get an export (ExportsApi.get_export), or download its CSV with ?token= (download_export)",
)
def get_export(request, export_id: str):
    token = request.GET.get("token")
    if token is not None:
        export = Export.objects.filter(pk=export_id).first()
        if export is None or not secrets.compare_digest(token, export.token):
            raise unauthorized()
        return _csv(export)
    request.auth = AppKeyAuth()(request)
    if request.auth is None:
        raise unauthorized()
    export = _get_own(request, export_id)
    if "text/plain" in request.headers.get("Accept", "") and "json" not in request.headers.get("Accept", ""):
        return _csv(export)
    return export_json(request, export)


def _csv(export: Export):
    if export.status != ExportStatus.DONE or not export.file:
        raise DomainError("not_found", "Resource not found", f"Export {export.pk} has no file yet ({export.status})")
    return FileResponse(export.file.open("rb"), content_type="text/plain; charset=utf-8")


@router.delete("/exports/{export_id}", summary="Delete an export (ExportsApi.delete_export)", response={204: None})
def delete_export(request, export_id: str):
    services.delete_export(_get_own(request, export_id))
    return HttpResponse(status=204)
