"""/v1/ endpoints of bulk changes and async actions: customers and vouchers changed by a worker
(campaigns.services.bulk), and ``/v1/async-actions`` to follow them (voucher generation jobs too)."""

from typing import Annotated

from ninja import File, Router, UploadedFile

from voucherhub.api.context import caller_of
from voucherhub.api.parsing import documented_query, parse_query

from . import queries
from .models import AsyncAction
from .schemas.bulk import (
    AsyncActionListQuery,
    CampaignImportList,
    CustomerBulkList,
    CustomersMetadataIn,
    VoucherBulkList,
    VoucherImportList,
    VouchersMetadataIn,
)
from .schemas.csv_import import customer_items, voucher_items
from .serializers import async_action_json
from .services import bulk

router = Router(tags=["async actions"])
# The CSV file of an import: left out, or empty, it is refused by campaigns.schemas.csv_import in its words.
CsvFile = Annotated[UploadedFile | None, File(description="The CSV file (UTF-8, headers on the first line)")]


def _scheduled(request, type: str, payload: dict) -> dict:
    return {"async_action_id": bulk.schedule(type, payload, caller=caller_of(request)).pk}


@router.post("/customers/bulk/async", summary="Update (or create) customers by source_id, in the background")
def update_customers_in_bulk(request, payload: CustomerBulkList):
    items = [item.model_dump(exclude_none=True) for item in payload.root]
    return _scheduled(request, AsyncAction.Type.CUSTOMERS_UPDATE, {"items": items})


@router.post("/customers/metadata/async", summary="Merge metadata into customers by source_id, in the background")
def update_customers_metadata_in_bulk(request, payload: CustomersMetadataIn):
    return _scheduled(request, AsyncAction.Type.CUSTOMERS_METADATA, payload.model_dump())


@router.post("/vouchers/bulk/async", summary="Merge each code's metadata, in the background")
def update_vouchers_in_bulk(request, payload: VoucherBulkList):
    items = [item.model_dump() for item in payload.root]
    return _scheduled(request, AsyncAction.Type.VOUCHERS_UPDATE, {"items": items})


@router.post("/vouchers/metadata/async", summary="Merge the same metadata into codes, in the background")
def update_vouchers_metadata_in_bulk(request, payload: VouchersMetadataIn):
    return _scheduled(request, AsyncAction.Type.VOUCHERS_METADATA, payload.model_dump())


@router.post("/vouchers/import", summary="Import vouchers (standalone, or each into the campaign it names)")
def import_vouchers(request, payload: VoucherImportList):
    items = [item.stored() for item in payload.root]
    return _scheduled(request, AsyncAction.Type.VOUCHERS_IMPORT, {"items": items})


@router.post("/campaigns/{campaign_id}/import", summary="Import vouchers into a campaign (its template fills the rest)")
def import_vouchers_to_campaign(request, campaign_id: str, payload: CampaignImportList):
    campaign = queries.find_campaign(campaign_id)
    items = [item.stored() | {"campaign_id": campaign.pk} for item in payload.root]
    return _scheduled(request, AsyncAction.Type.CAMPAIGN_IMPORT, {"items": items})


# The CSV imports: the file's rows are read and checked here (a bad row refuses the whole file), then
# scheduled as their JSON twins are (campaigns.schemas.csv_import says how columns are read).


@router.post("/vouchers/importCSV", summary="Import vouchers from a CSV file (standalone), in the background")
def import_vouchers_csv(request, file: CsvFile = None):
    return _scheduled(request, AsyncAction.Type.VOUCHERS_IMPORT, {"items": voucher_items(file, in_campaign=False)})


@router.post("/campaigns/{campaign_id}/importCSV", summary="Import vouchers into a campaign from a CSV file")
def import_vouchers_to_campaign_csv(request, campaign_id: str, file: CsvFile = None):
    campaign = queries.find_campaign(campaign_id)
    items = [item | {"campaign_id": campaign.pk} for item in voucher_items(file, in_campaign=True)]
    return _scheduled(request, AsyncAction.Type.CAMPAIGN_IMPORT, {"items": items})


@router.post("/customers/importCSV", summary="Import (or update by source id) customers from a CSV file")
def import_customers_csv(request, file: CsvFile = None):
    return _scheduled(request, AsyncAction.Type.CUSTOMERS_UPDATE, {"items": customer_items(file)})


@router.get("/async-actions", summary="List async actions", openapi_extra=documented_query(AsyncActionListQuery))
def list_async_actions(request):
    query = parse_query(request, AsyncActionListQuery)
    actions, has_more = queries.async_action_page(limit=query.limit, end_date=query.end_date)
    return {
        "object": "list",
        "data_ref": "async_actions",
        "async_actions": [async_action_json(a, with_result=False) for a in actions],
        "has_more": has_more,
    }


@router.get("/async-actions/{action_id}", summary="Get an async action (a bulk change or a voucher generation)")
def get_async_action(request, action_id: str):
    return async_action_json(queries.find_async_action(action_id))
