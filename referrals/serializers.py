"""The wire shapes of ``/v1/referrals``."""

from campaigns.models import Publication, Voucher
from voucherhub.wire import iso

from .models import CodeHolder


def holder_json(holder: CodeHolder | Publication, code: Voucher) -> dict:
    """A redeemable holder: a referee added to the code, or (a publication) the referrer it was given to."""
    referrer = isinstance(holder, Publication)
    return {
        "id": holder.pk,
        "created_at": iso(holder.created_at),
        "redeemable_id": code.pk,
        "redeemable_object": "voucher",
        "customer_id": code.holder_id if referrer else holder.customer_id,
        "holder_role": "REFERRER" if referrer else "REFEREE",
        "campaign_id": code.campaign_id,
        "campaign_type": "REFERRAL_PROGRAM",
        "voucher_type": code.type,
        "metadata": {} if referrer else holder.metadata,
        "object": "redeemable_holder",
    }
