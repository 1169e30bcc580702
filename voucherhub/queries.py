"""Read side of the layout: the figures on the home page."""

from django.utils import timezone

from .models import WorkerHeartbeat


def worker_heartbeat() -> dict:
    beat = WorkerHeartbeat.objects.filter(name="worker").first()
    if beat is None:
        return {"seen": False}
    age = (timezone.now() - beat.seen_at).total_seconds()
    return {"seen": True, "seen_at": beat.seen_at, "age_seconds": int(age), "stale": age > 120}


def home_stats(user) -> list[dict]:
    """Cards for the sections this user may open, each with a cheap figure (no full-table COUNT)."""
    from campaigns.dashboard import CampaignStatus, campaigns_with_status
    from redemptions.models import Redemption

    cards = []
    if user.has_perm("redemptions.view_redemption"):
        latest = Redemption.objects.order_by("-created_at").values_list("created_at", flat=True).first()
        cards.append(
            {
                "title": "Redemptions",
                "url": "/redemptions/",
                "text": "Every redemption attempt, failed ones included, with their reasons.",
                "figure": latest,
                "figure_kind": "datetime",
                "figure_label": "Latest redemption",
                "figure_empty": "None recorded yet",
            }
        )
    if user.has_perm("campaigns.view_campaign"):
        cards.append(
            {
                "title": "Campaigns",
                "url": "/campaigns/",
                "text": "Discount coupons, gift cards and promotions.",
                # The Campaigns list's own status definition (not yet expired, already started, enabled).
                "figure": campaigns_with_status().filter(status=CampaignStatus.ACTIVE).count(),
                "figure_kind": "number",
                "figure_label": "Active campaigns",
                "figure_empty": "",
            }
        )
    if user.has_perm("auditlog.view_requestlog"):
        cards.append(
            {
                "title": "Audit log",
                "url": "/audit-log/",
                "text": "Every API call and the events it caused.",
                "figure": None,
                "figure_kind": "",
                "figure_label": "",
                "figure_empty": "",
            }
        )
    return cards
