"""``/v1/referrals``: a referral code's holders (``ReferralsApi``), with or without its program's id."""

from ninja import Router

from voucherhub.api.context import caller_of
from voucherhub.api.parsing import documented_query, parse_query

from . import queries
from .schemas import HoldersIn, HoldersQuery
from .serializers import holder_json
from .services import holders as holder_services

router = Router(tags=["referrals"])


def _add(request, campaign_id: str | None, member_id: str, payload: HoldersIn) -> dict:
    customers = [customer.model_dump(exclude_none=True) for customer in payload.holders]
    added = holder_services.add_holders(caller=caller_of(request), code=member_id, campaign=campaign_id,
                                        customers=customers, metadata=dict(payload.metadata or {}))  # fmt: skip
    code = queries.find_code(member_id, campaign=campaign_id)
    return {"holders": [holder_json(holder, code) for holder in added]}


def _list(request, campaign_id: str | None, member_id: str) -> dict:
    query = parse_query(request, HoldersQuery)
    code = queries.find_code(member_id, campaign=campaign_id)
    page, has_more = queries.code_holders(
        code, limit=query.limit, descending=query.order == "-id", after=query.starting_after_id
    )
    body = {"object": "list", "data_ref": "data", "data": [holder_json(entry, code) for entry in page],
            "total": len(page), "has_more": has_more}  # fmt: skip
    if has_more:
        body["more_starting_after"] = page[-1].pk
    return body


def _remove(request, campaign_id: str | None, member_id: str, holder_id: str):
    holder_services.remove_holder(caller=caller_of(request), code=member_id, campaign=campaign_id, holder_id=holder_id)
    return 204, None


@router.post("/referrals/members/{member_id}/holders", summary="Add referees to a referral code as its holders")
def add_holders(request, member_id: str, payload: HoldersIn):
    return _add(request, None, member_id, payload)


@router.post("/referrals/{campaign_id}/members/{member_id}/holders", summary="Add referees to a program's code")
def add_program_holders(request, campaign_id: str, member_id: str, payload: HoldersIn):
    return _add(request, campaign_id, member_id, payload)


@router.get("/referrals/members/{member_id}/holders", summary="List a referral code's holders",
            openapi_extra=documented_query(HoldersQuery))  # fmt: skip
def list_holders(request, member_id: str):
    return _list(request, None, member_id)


@router.get("/referrals/{campaign_id}/members/{member_id}/holders", summary="List a program's code's holders",
            openapi_extra=documented_query(HoldersQuery))  # fmt: skip
def list_program_holders(request, campaign_id: str, member_id: str):
    return _list(request, campaign_id, member_id)


@router.delete("/referrals/members/{member_id}/holders/{holder_id}", response={204: None},
               summary="Remove a referee from a referral code")  # fmt: skip
def remove_holder(request, member_id: str, holder_id: str):
    return _remove(request, None, member_id, holder_id)


@router.delete("/referrals/{campaign_id}/members/{member_id}/holders/{holder_id}", response={204: None},
               summary="Remove a referee from a program's code")  # fmt: skip
def remove_program_holder(request, campaign_id: str, member_id: str, holder_id: str):
    return _remove(request, campaign_id, member_id, holder_id)
