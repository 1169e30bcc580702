"""The home page: cards for the sections a person may open, each with a cheap figure, and whether the
background worker is alive."""

import re
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from tests.factories import make_campaign
from voucherhub.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_home_links_to_redemptions_and_shows_cards_for_the_users_sections(client, role_user):
    make_campaign()
    client.force_login(role_user("Marketer"))
    html = client.get("/").content.decode()
    assert re.search(r'<a class="btn btn-primary[^"]*" href="/redemptions/">Go to Redemptions', html)
    assert (
        "Active campaigns" in html
        and "Discount coupons, gift cards, promotions, loyalty and referral programs." in html
    )
    assert "Latest redemption" in html and "None recorded yet" in html
    assert "Open Audit log" in html


def test_home_has_a_customers_card_only_for_those_who_may_see_customers(client, role_user):
    from tests.factories import make_customer

    newest = make_customer(source_id="ann")
    client.force_login(role_user("Admin"))
    html = client.get("/").content.decode()
    assert 'href="/customers/"' in html and "Newest customer" in html
    assert newest.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") in html  # its <time>
    client.force_login(role_user("Marketer"))
    html = client.get("/").content.decode()
    assert "Newest customer" not in html and 'href="/customers/"' not in html


def test_home_counts_active_campaigns_as_the_campaigns_list_does(client, role_user):
    now = timezone.now()
    make_campaign(name="Running")
    make_campaign(name="Open ended", expiration_date=None)
    make_campaign(name="Over", expiration_date=now - timedelta(days=1))  # expired, though still enabled
    make_campaign(name="Later", start_date=now + timedelta(days=3))  # scheduled
    make_campaign(name="Off", active=False)  # disabled
    make_campaign(name="Binned", deleted_at=now)
    client.force_login(role_user("Marketer"))
    html = client.get("/").content.decode()
    figure = re.search(r'Active campaigns</div>\s*<div class="vh-figure">\s*(\d+)', html)
    assert figure and figure.group(1) == "2", html
    listed = client.get("/campaigns/", {"status": "active"}).content.decode()
    assert "Running" in listed and "Open ended" in listed and "Over" not in listed and "Later" not in listed


def test_home_says_when_no_background_worker_has_reported(client, role_user):
    client.force_login(role_user("Staff"))
    html = client.get("/").content.decode()
    assert "No background worker has reported yet: exports and expiries wait until one runs" in html
    assert "Open Campaigns" not in html


def test_home_shows_how_long_ago_the_worker_was_seen(client, role_user):
    WorkerHeartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(seconds=7), beats=3)
    client.force_login(role_user("Staff"))
    html = client.get("/").content.decode()
    assert re.search(r"Background worker last seen [78] s\s+ago", html)
    assert "may have stopped" not in html


def test_home_warns_when_the_worker_went_quiet(client, role_user):
    WorkerHeartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(minutes=10), beats=3)
    client.force_login(role_user("Staff"))
    html = client.get("/").content.decode()
    assert "10\xa0minutes ago" in html
    assert "it may have stopped" in html
