"""``GET /v1/campaigns/{id}/summary`` (CampaignsApi.get_campaign_summary): a campaign dashboard's figures
over the API (insights.queries), authenticated and rendered like every /v1/ call (voucherhub.api)."""

from ninja import Router

from campaigns.queries import campaign_with_status, find_campaign
from voucherhub.api.parsing import documented_query, parse_query

from .queries import campaign_summary
from .schemas import CampaignSummaryQuery

router = Router(tags=["campaigns"])


def _summary_json(summary) -> dict:
    """The platform's campaign summary (flat integers, what the SDK's CampaignsSummaryGetResponseBody
    reads), with VoucherHub's own figures, nested as the dashboard shows them, under ``voucherhub`` (a key
    the SDK ignores). Counts are the period's; ``orders_amount`` and ``discounted_amount`` are those of the
    redemptions that stand (not rolled back)."""
    body = {
        "object": "campaign_summary",
        "redemptions": summary.redemptions_total,
        "redemptions_succeeded": summary.redemptions_succeeded,
        "redemptions_failed": summary.redemptions_failed,
        "rollbacks": summary.rollbacks_total,
        "rollbacks_succeeded": summary.rollbacks_total,
        "rollbacks_failed": 0,  # a rollback that fails is refused, never stored
        "validations": summary.validations_total,
        "validations_succeeded": summary.validations_valid,
        "validations_failed": summary.validations_total - summary.validations_valid,
        "orders_amount": summary.order_value,
        "discounted_amount": summary.discounts_given,
        "vouchers_created": sum(point.vouchers_created for point in summary.series),
        "publications": summary.publications_succeeded + summary.publications_failed,
        "publications_succeeded": summary.publications_succeeded,
        "publications_failed": summary.publications_failed,
        "voucherhub": _figures(summary),
    }
    if summary.is_gift:
        body["created_vouchers_amount"] = summary.gift_value_issued
        body["amount_redeemed"] = summary.gift_value_spent
    return body


def _figures(summary) -> dict:
    """The dashboard's figures in the API's style: snake_case, money in minor units, UTC ISO dates;
    ``status`` is the dashboard's (campaigns.queries.status_expression)."""
    campaign = summary.campaign
    body = {
        "campaign_id": campaign.id,
        "campaign_name": campaign.name,
        "campaign_type": campaign.campaign_type,
        "status": campaign.status,
        "vouchers": {"total": summary.vouchers_total, "published": summary.vouchers_published},
        "publications": {
            "total_succeeded": summary.publications_succeeded,
            "total_failed": summary.publications_failed,
        },
        "validations": {"total": summary.validations_total, "total_valid": summary.validations_valid},
        "redemptions": {
            "total_redeemed": summary.redemptions_total,
            "total_succeeded": summary.redemptions_succeeded,
            "total_failed": summary.redemptions_failed,
            "total_rolled_back": summary.redemptions_rolled_back,
        },
        "rollbacks": {"total_succeeded": summary.rollbacks_total},
        "budget": {
            "orders": summary.orders,
            "order_value": summary.order_value,
            "discounts_given": summary.discounts_given,
            "gift_value_spent": summary.gift_value_spent,
        },
        "period": {
            "days": summary.period_days,
            "start_date": summary.period_start.isoformat(),
            "end_date": summary.period_end.isoformat(),
        },
        "series": [
            {
                "date": point.day.isoformat(),
                "validations": point.validations,
                "redemptions_succeeded": point.redemptions_succeeded,
                "redemptions_failed": point.redemptions_failed,
                "rollbacks": point.rollbacks,
                "vouchers_created": point.vouchers_created,
                "publications": point.publications,
            }
            for point in summary.series
        ],
    }
    if summary.is_gift:
        body["gift"] = {"issued_amount": summary.gift_value_issued, "balance": summary.gift_balance}
    if summary.is_promotion:
        body["tiers"] = [{"id": tier.id, "name": tier.name, "active": tier.active} for tier in summary.tiers]
    return body


@router.get(
    "/campaigns/{campaign_id}/summary",
    summary="Campaign summary: the dashboard's totals and daily series",
    openapi_extra=documented_query(CampaignSummaryQuery),
)
def get_campaign_summary(request, campaign_id: str):
    query = parse_query(request, CampaignSummaryQuery)
    campaign = campaign_with_status(find_campaign(campaign_id).id)
    days, now = query.period()
    return _summary_json(campaign_summary(campaign, days=days, now=now))
