"""The audit log's pages word a failure and a tier with what stacking and campaigns lend them in their
AppConfig.ready (auditlog.wording): the reason's sentence, a tier's name read once for the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auditlog import wording
from auditlog.models import Event
from stacking.reasons import SENTENCES
from tests.redemptions.factories import make_tier

pytestmark = pytest.mark.django_db


def test_the_installed_apps_lend_the_reason_sentence_and_the_tier_names():
    assert wording.reason("gift_amount_exceeded") == SENTENCES["gift_amount_exceeded"]
    tier = make_tier(name="Gold members 10%")
    with CaptureQueriesContext(connection) as queries:
        assert wording.tier_names([tier.pk, "promo_missing"]) == {tier.pk: "Gold members 10%"}
    assert len(queries) == 1
    assert wording.tier_names([]) == {}


def test_the_events_page_says_the_reason_and_an_old_events_tier_by_name_in_one_query(client, role_user):
    tier = make_tier(name="Silver members 5%")
    for _ in range(3):  # stored before tier names were recorded: the tier's id only
        Event.objects.create(
            type="redemption.failed",
            resource_type="redemption",
            resource_id="rf_x",
            occurred_at=timezone.now(),
            data={"object": "promotion_tier", "id": tier.pk, "failure_code": "gift_amount_exceeded"},
        )
    client.force_login(role_user("Admin"))
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/audit-log/events/").content.decode()
    assert "Silver members 5%" in html and "gift amount exceeded" not in html
    assert "the gift card&#x27;s balance does not cover the credits asked for" in html
    assert sum("campaigns_promotiontier" in query["sql"] for query in queries) == 1
