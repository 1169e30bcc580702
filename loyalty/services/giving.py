"""What a reward gives a customer, whoever grants it (a reward redeemed with points, a referral program's
reward for a referrer or a referee): a voucher of a discount campaign published to them, a new gift card of
a gift campaign with ``amount`` credits, or ``amount`` points on their card of a loyalty program (joining
it first when they are not a member)."""

from campaigns.models import Campaign, CampaignType, Voucher
from campaigns.services.publications import publish
from campaigns.services.requests import PublicationRequest
from campaigns.services.vouchers import update_gift_balance
from voucherhub.caller import Caller

from . import points as loyalty_points
from .programs import add_member


def give(campaign: Campaign, amount: int | None, customer_id: str, *, caller: Caller, reason: str,
         channel: str = "Reward") -> Voucher:  # fmt: skip
    """The voucher or card the gift lands on; refusals (a campaign out of codes) raise its DomainError."""
    holder = {"id": customer_id}
    if campaign.campaign_type == CampaignType.LOYALTY_PROGRAM:
        card = add_member(caller=caller, program=campaign.pk, customer=holder)
        if amount:
            change = loyalty_points.PointsChange(amount, reason=reason)
            loyalty_points.change_balance(caller=caller, member=card.code, program=campaign.pk, change=change)
        return card
    outcome = publish(PublicationRequest(customer=holder, campaign=campaign.pk, channel=channel), caller=caller)
    if outcome.error is not None:
        raise outcome.error
    voucher = outcome.vouchers[0]
    if campaign.campaign_type == CampaignType.GIFT_VOUCHERS and amount:
        voucher = update_gift_balance(caller=caller, ref=voucher.pk, amount=amount, reason=reason)
    return voucher
