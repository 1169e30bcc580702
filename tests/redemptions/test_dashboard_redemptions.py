"""The Redemptions tab of the dashboard: who sees what, the filters in the URL, details, and Rollback."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auditlog.models import Event
from redemptions.models import Redemption, RedemptionStatus
from tests.factories import make_campaign, make_customer, make_voucher
from tests.redemptions.factories import make_redemption, make_user, redeemed

pytestmark = pytest.mark.django_db

ROLES = ["Staff", "Marketer", "Admin", "superuser"]


@pytest.fixture
def rows():
    campaign = make_campaign(name="Summer sale")
    other = make_campaign(name="Winter sale")
    alice = make_customer(name="Alice Secret", email="alice@example.com", source_id="alice")
    voucher = make_voucher(code="SUMMER-1", campaign=campaign)
    return {
        "ok": make_redemption(voucher=voucher, campaign=campaign, customer=alice, metadata={"source": "web"}),
        "failed": make_redemption(failed=True, voucher_code="NOPE-9", campaign=other, days_ago=2),
        "old": make_redemption(
            voucher_code="OLD-1", campaign=other, days_ago=40, channel_type="USER", channel_id="bob"
        ),
    }


# --- Access ----------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login_from_the_list_and_a_detail(client, rows):
    for url in ("/redemptions/", f"/redemptions/{rows['ok'].pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    response = client.post(f"/redemptions/{rows['ok'].pk}/rollback/", {"reason": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Redemption.objects.get(pk=rows["ok"].pk).status == RedemptionStatus.SUCCEEDED


@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_the_list_and_a_redemptions_details(client, role_user, rows, role):
    client.force_login(make_user(role_user, role))
    listing = client.get("/redemptions/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert rows["ok"].pk in html and "SUMMER-1" in html and "Summer sale" in html
    assert f'href="/redemptions/{rows["ok"].pk}/"' in html
    detail = client.get(f"/redemptions/{rows['ok'].pk}/")
    assert detail.status_code == 200
    assert ">Succeeded<" in detail.content.decode()


def test_a_user_without_any_role_gets_403(client, role_user, rows):
    client.force_login(role_user(None))
    assert client.get("/redemptions/").status_code == 403
    assert client.get(f"/redemptions/{rows['ok'].pk}/").status_code == 403


def test_an_unknown_redemption_is_404(client, role_user):
    client.force_login(role_user("Marketer"))
    assert client.get("/redemptions/r_doesnotexist/").status_code == 404


@pytest.mark.parametrize("role", ["Staff", "Marketer"])
def test_staff_and_marketer_see_no_rollback_button_and_their_post_is_403(client, role_user, role):
    redemption = redeemed(f"NOROLL-{role}")
    client.force_login(make_user(role_user, role))
    html = client.get(f"/redemptions/{redemption.pk}/").content.decode()
    assert "Roll back…" not in html and "rollback-form" not in html
    response = client.post(f"/redemptions/{redemption.pk}/rollback/", {"reason": "customer asked"})
    assert response.status_code == 403
    assert Redemption.objects.get(pk=redemption.pk).status == RedemptionStatus.SUCCEEDED


@pytest.mark.parametrize("role", ["Admin", "superuser"])
def test_admin_rolls_back_a_redemption_and_the_panel_shows_rolled_back(client, role_user, role):
    redemption = redeemed(f"ROLL-{role}")
    voucher = redemption.voucher
    assert voucher.redeemed_quantity == 1
    user = make_user(role_user, role)
    client.force_login(user)
    html = client.get(f"/redemptions/{redemption.pk}/").content.decode()
    assert "Roll back…" in html and f'hx-post="/redemptions/{redemption.pk}/rollback/"' in html

    response = client.post(
        f"/redemptions/{redemption.pk}/rollback/",
        {"reason": "customer returned the goods"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    panel = response.content.decode()
    assert "<html" not in panel and 'id="redemption-summary"' in panel  # only the panel, swapped in place
    assert ">Rolled back<" in panel and "customer returned the goods" in panel
    assert "Roll back…" not in panel
    assert Redemption.objects.get(pk=redemption.pk).status == RedemptionStatus.ROLLED_BACK
    voucher.refresh_from_db()
    assert voucher.redeemed_quantity == 0
    rollback_event = Event.objects.get(type="redemption.rollback.succeeded")
    assert (rollback_event.channel_type, rollback_event.channel_id) == ("USER", user.username)


def test_a_rollback_needs_a_reason(client, role_user):
    redemption = redeemed("NEEDS-REASON")
    client.force_login(role_user("Admin"))
    response = client.post(f"/redemptions/{redemption.pk}/rollback/", {"reason": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Redemption.objects.get(pk=redemption.pk).status == RedemptionStatus.SUCCEEDED


def test_the_engines_refusal_is_shown_when_the_redemption_is_already_rolled_back(client, role_user):
    redemption = redeemed("TWICE")
    client.force_login(role_user("Admin"))
    client.post(f"/redemptions/{redemption.pk}/rollback/", {"reason": "first"}, headers={"HX-Request": "true"})
    again = client.post(f"/redemptions/{redemption.pk}/rollback/", {"reason": "second"}, headers={"HX-Request": "true"})
    assert again.status_code == 200
    assert "Rollback refused — Redemption has already been rolled back" in again.content.decode()


def test_no_rollback_button_for_failed_or_too_old_redemptions(client, role_user, rows):
    client.force_login(role_user("Admin"))
    too_old = make_redemption(voucher_code="ANCIENT", days_ago=100)
    for redemption in (rows["failed"], too_old):
        html = client.get(f"/redemptions/{redemption.pk}/").content.decode()
        assert "Roll back…" not in html
    assert "Roll back…" in client.get(f"/redemptions/{rows['ok'].pk}/").content.decode()


# --- Customer data is for Admins -------------------------------------------------------------------


def test_marketer_sees_no_customer_filter_nor_column_and_cannot_filter_by_customer(client, role_user, rows):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/").content.decode()
    assert 'name="customer"' not in html
    assert "Alice Secret" not in html and "alice@example.com" not in html
    assert ">Customer<" not in html
    # The parameter is ignored, not applied: a marketer cannot probe who redeemed what.
    probe = client.get("/redemptions/?customer=nobody").content.decode()
    assert rows["ok"].pk in probe
    assert "Alice Secret" not in client.get(f"/redemptions/{rows['ok'].pk}/").content.decode()


def test_admin_sees_the_customer_column_and_filters_by_customer(client, role_user, rows):
    client.force_login(role_user("Admin"))
    html = client.get("/redemptions/").content.decode()
    assert 'name="customer"' in html and "Alice Secret" in html
    filtered = client.get("/redemptions/?customer=alice@example.com").content.decode()
    assert rows["ok"].pk in filtered and rows["failed"].pk not in filtered
    assert "Alice Secret" in client.get(f"/redemptions/{rows['ok'].pk}/").content.decode()


# --- Filters in the URL ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("status=FAILED", ["failed"], ["ok", "old"]),
        ("result=SUCCESS", ["ok", "old"], ["failed"]),
        ("failure_code=voucher_expired", ["failed"], ["ok", "old"]),
        ("voucher_code=SUMMER-1", ["ok"], ["failed", "old"]),
        ("channel=USER", ["old"], ["ok", "failed"]),
        ("channel=Dashboard+user", ["old"], ["ok", "failed"]),
        ("channel=shop-key", ["ok", "failed"], ["old"]),
        ("metadata_key=source&metadata_value=web", ["ok"], ["failed", "old"]),
        ("metadata_key=source", ["ok"], ["failed", "old"]),
    ],
)
def test_each_filter_narrows_the_rows(client, role_user, rows, query, shown, hidden):
    client.force_login(role_user("Marketer"))
    html = client.get(f"/redemptions/?{query}").content.decode()
    for name in shown:
        assert rows[name].pk in html, name
    for name in hidden:
        assert rows[name].pk not in html, name


def test_campaign_and_date_range_filters(client, role_user, rows):
    client.force_login(role_user("Marketer"))
    campaign = rows["ok"].campaign
    html = client.get(f"/redemptions/?campaign={campaign.pk}").content.decode()
    assert rows["ok"].pk in html and rows["failed"].pk not in html
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    html = client.get(f"/redemptions/?created_from={since}").content.decode()
    assert rows["ok"].pk in html and rows["old"].pk not in html
    html = client.get(f"/redemptions/?created_to={since}").content.decode()
    assert rows["old"].pk in html and rows["ok"].pk not in html


@pytest.mark.parametrize(
    "query",
    [
        "created_from=yesterday",
        "status=EXPLODED",
        "campaign=camp_nope",
        "failure_code=%00",
        "metadata_key=a%20b'--",
        "per_page=abc&page=zz&sort=nonsense",
        "page=99999",
    ],
)
def test_bad_filter_values_give_a_form_error_never_a_500(client, role_user, rows, query):
    client.force_login(role_user("Admin"))
    response = client.get(f"/redemptions/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    if not query.startswith(("per_page", "page")):
        assert "Some filters could not be read" in html
        assert rows["ok"].pk not in html


def test_a_filter_change_over_htmx_renders_only_the_table(client, role_user, rows):
    client.force_login(role_user("Marketer"))
    response = client.get(
        "/redemptions/?status=FAILED", headers={"HX-Request": "true", "HX-Target": "redemptions-table"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="list-filters"' not in html
    assert html.lstrip().startswith('<div id="redemptions-table"')
    assert rows["failed"].pk in html and rows["ok"].pk not in html
    assert "HX-Target" in response["Vary"]


def test_a_tab_click_gets_the_section_body_with_tabs_and_filters(client, role_user, rows):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/", headers={"HX-Request": "true", "HX-Target": "section-body"}).content.decode()
    assert "<html" not in html and '<div id="section-body">' in html
    assert 'id="list-filters"' in html and 'hx-get="/redemptions/validations/"' in html


def test_an_empty_result_says_no_redemptions_match_these_filters_with_clear_filters(client, role_user, rows):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/?voucher_code=NO-SUCH-CODE").content.decode()
    assert "No redemptions match these filters" in html
    assert re.search(r'<a href="/redemptions/"[^>]*>Clear filters</a>', html)


def test_the_list_sorts_newest_first_and_by_a_chosen_column(client, role_user, rows):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/").content.decode()
    assert html.index(rows["ok"].pk) < html.index(rows["failed"].pk) < html.index(rows["old"].pk)
    html = client.get("/redemptions/?sort=created_at").content.decode()
    assert html.index(rows["old"].pk) < html.index(rows["failed"].pk) < html.index(rows["ok"].pk)


# --- Size of the work ------------------------------------------------------------------------------


def test_the_row_count_stops_at_the_cap(client, role_user, monkeypatch):
    from dashboard import lists

    monkeypatch.setattr(lists, "COUNT_CAP", 3)
    for _ in range(5):
        make_redemption(voucher_code="MANY")
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/").content.decode()
    assert "3+ redemptions" in html
    with CaptureQueriesContext(connection) as captured:
        client.get("/redemptions/")
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper() and "redemptions_redemption" in q["sql"]]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_the_list_runs_the_same_number_of_queries_for_10_and_50_rows(client, role_user):
    campaign = make_campaign(name="Busy")
    customer = make_customer()
    for i in range(60):
        make_redemption(voucher_code=f"Q-{i}", campaign=campaign, customer=customer, failed=i % 3 == 0)
    client.force_login(role_user("Admin"))
    client.get("/redemptions/?per_page=10")  # warm the session and permission caches alike
    with CaptureQueriesContext(connection) as small:
        page = client.get("/redemptions/?per_page=10")
    assert page.content.decode().count('<tr id="row-') == 10
    with CaptureQueriesContext(connection) as large:
        page = client.get("/redemptions/?per_page=50")
    assert page.content.decode().count('<tr id="row-') == 50
    assert len(small) == len(large)


def test_a_failed_attempt_shows_its_failure_as_a_sentence_with_the_code_at_hand(client, role_user):
    client.force_login(make_user(role_user, "Marketer"))
    make_redemption(failed=True)
    make_redemption(failed=True, failure_message="Only on Sundays")  # a rule's own error message
    html = client.get("/redemptions/").content.decode()
    assert 'data-reason="voucher_expired"' in html
    assert html.count("The voucher or its campaign has expired.") == 2
    assert '<div class="small text-secondary">Only on Sundays</div>' in html


# --- Rollback from a list row ----------------------------------------------------------------------

ROW = {"HX-Request": "true"}


def _row_headers(redemption) -> dict:
    return {**ROW, "HX-Target": f"row-{redemption.pk}"}


def test_the_list_shows_a_rollback_button_only_on_rows_an_admin_may_roll_back(client, role_user, rows):
    too_old = make_redemption(voucher_code="ANCIENT", days_ago=100)
    client.force_login(role_user("Admin"))
    html = client.get("/redemptions/").content.decode()
    for redemption, shown in ((rows["ok"], True), (rows["failed"], False), (too_old, False)):
        row = re.search(rf'<tr id="row-{redemption.pk}".*?</tr>', html, re.S).group(0)
        assert ("Roll back…" in row) is shown, redemption.pk
        assert (f'hx-get="/redemptions/{redemption.pk}/rollback/"' in row) is shown


@pytest.mark.parametrize("role", ["Staff", "Marketer"])
def test_the_list_has_no_rollback_column_without_the_permission(client, role_user, rows, role):
    client.force_login(make_user(role_user, role))
    html = client.get("/redemptions/").content.decode()
    assert "Roll back…" not in html and "/rollback/" not in html


def test_a_rows_rollback_button_fetches_the_form_into_a_full_width_row_under_it(client, role_user, rows):
    client.force_login(role_user("Admin"))
    html = client.get("/redemptions/").content.decode()
    button = re.search(rf'<tr id="row-{rows["ok"].pk}".*?(<button[^>]*>)Roll back…', html, re.S).group(1)
    assert 'hx-target="closest tr"' in button and 'hx-swap="afterend"' in button
    url = f"/redemptions/{rows['ok'].pk}/rollback/"
    form = client.get(url, headers=ROW).content.decode()
    columns = len(re.search(r"<thead.*?</thead>", html, re.S).group(0).split("<th ")) - 1
    assert form.lstrip().startswith(f'<tr id="rollback-row-{rows["ok"].pk}"')
    assert f'<td colspan="{columns}">' in form and f'hx-post="{url}"' in form and "Cancel" in form
    assert f'hx-target="#row-{rows["ok"].pk}"' in form and "hx-confirm=" in form
    assert 'name="csrfmiddlewaretoken"' in form and 'name="reason"' in form and "required" in form
    assert client.get(url).url == f"/redemptions/{rows['ok'].pk}/"  # no htmx: the detail page has the form
    refused = client.get(f"/redemptions/{rows['failed'].pk}/rollback/", headers=ROW).content.decode()
    assert "cannot be rolled back" in refused and "<form" not in refused
    assert refused.startswith(f'<tr id="rollback-row-{rows["failed"].pk}"')


def test_a_rollback_from_a_row_answers_with_that_row_rolled_back(client, role_user):
    redemption = redeemed("ROW-ROLL")
    client.force_login(role_user("Admin"))
    response = client.post(
        f"/redemptions/{redemption.pk}/rollback/", {"reason": "from the list"}, headers=_row_headers(redemption)
    )
    assert response.status_code == 200
    row = response.content.decode().strip()
    assert row.startswith(f'<tr id="row-{redemption.pk}"') and row.endswith("</tr>")
    assert ">Rolled back<" in row and "Rolled back." in row and "Roll back…" not in row
    assert Redemption.objects.get(pk=redemption.pk).status == RedemptionStatus.ROLLED_BACK


def test_a_refused_rollback_from_a_row_shows_the_engines_error_in_that_row(client, role_user):
    redemption = redeemed("ROW-TWICE")
    client.force_login(role_user("Admin"))
    headers = _row_headers(redemption)
    client.post(f"/redemptions/{redemption.pk}/rollback/", {"reason": "first"}, headers=headers)
    row = client.post(f"/redemptions/{redemption.pk}/rollback/", {"reason": "again"}, headers=headers)
    html = row.content.decode()
    assert html.strip().startswith(f'<tr id="row-{redemption.pk}"')
    assert "Rollback refused — Redemption has already been rolled back" in html
    empty = client.post(f"/redemptions/{redemption.pk}/rollback/", {"reason": ""}, headers=headers).content.decode()
    assert "Rollback refused — This field is required." in empty


# --- The filter panel: shown filters and "Add filter" ----------------------------------------------

PANEL = {"HX-Request": "true", "HX-Target": "filter-panel"}


def _addable(html: str) -> list[str]:
    select = re.search(r'<select id="add-filter-choice".*?</select>', html, re.S)
    return re.findall(r'<option value="(\w+)">', select.group(0)) if select else []


def test_the_panel_shows_the_default_filters_and_offers_the_others(client, role_user, rows):
    client.force_login(role_user("Admin"))
    html = client.get("/redemptions/").content.decode()
    for name in ("status", "voucher_code", "customer", "created_from", "created_to"):
        assert f'name="{name}"' in html, name
    assert 'name="metadata_key"' not in html and 'name="campaign"' not in html
    assert _addable(html) == ["campaign", "result", "failure_code", "channel", "order", "metadata"]


def test_a_marketer_is_never_offered_the_customer_filter(client, role_user, rows):
    client.force_login(role_user("Marketer"))
    html = client.get("/redemptions/").content.decode()
    assert "customer" not in _addable(html) and 'name="customer"' not in html
    html = client.get("/redemptions/?add=customer", headers=PANEL).content.decode()
    assert 'name="customer"' not in html


def test_adding_a_filter_renders_only_the_panel_with_it_and_keeps_what_was_typed(client, role_user, rows):
    client.force_login(role_user("Marketer"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/redemptions/?status=FAILED&voucher_code=&add=metadata", headers=PANEL)
    assert not any("redemptions_redemption" in q["sql"] for q in captured)  # the panel alone: no rows read
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="filter-panel"') and "<table" not in html
    assert re.search(r'<input[^>]*name="metadata_key"[^>]*autofocus', html)
    assert 'name="metadata_value"' in html
    assert 'value="FAILED" selected' in html
    assert "metadata" not in _addable(html)


def test_a_filter_in_the_url_is_shown_with_its_remove_link_which_drops_only_it(client, role_user, rows):
    client.force_login(role_user("Marketer"))
    html = unescape(client.get("/redemptions/?channel=USER&status=SUCCEEDED&per_page=10").content.decode())
    assert 'data-filter="channel"' in html and "channel" not in _addable(html)
    removes = re.findall(r'href="(/redemptions/\?[^"]*)"[^>]*title="Remove the (\w[\w ]*) filter"', html, re.S)
    assert dict((label, url) for url, label in removes) == {
        "status": "/redemptions/?channel=USER&per_page=10",
        "channel": "/redemptions/?status=SUCCEEDED&per_page=10",
    }
    html = client.get("/redemptions/?status=SUCCEEDED&per_page=10").content.decode()
    assert 'data-filter="channel"' not in html and "channel" in _addable(html)
    assert rows["ok"].pk in html and rows["old"].pk in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("metadata_key=visits&metadata_value=3", ["three"], ["text"]),
        ("metadata_key=visits&metadata_value=text", ["text"], ["three"]),
    ],
)
def test_metadata_values_match_as_stored_text_or_number(client, role_user, query, shown, hidden):
    made = {
        "three": make_redemption(metadata={"visits": 3}),
        "text": make_redemption(metadata={"visits": "text"}),
    }
    client.force_login(role_user("Marketer"))
    html = client.get(f"/redemptions/?{query}").content.decode()
    assert all(made[name].pk in html for name in shown)
    assert not any(made[name].pk in html for name in hidden)


def test_the_order_filter_takes_the_order_id_or_its_source_id(client, role_user):
    redemption = redeemed("ORDER-FILTER")
    other = make_redemption(voucher_code="OTHER")
    order = redemption.order
    order.source_id = "shop-order-77"
    order.save(update_fields=["source_id"])
    client.force_login(role_user("Marketer"))
    for value in (order.pk, "shop-order-77"):
        html = client.get(f"/redemptions/?order={value}").content.decode()
        assert redemption.pk in html and other.pk not in html


# --- The detail page's links, ids -----------------------------------------------------------------


def test_the_detail_links_its_voucher_campaign_and_request_logs_and_marks_the_redemptions_tab(client, role_user):
    redemption = redeemed("LINK-ME")
    client.force_login(make_user(role_user, "Marketer"))
    html = client.get(f"/redemptions/{redemption.pk}/").content.decode()
    campaign_id = redemption.campaign_id
    assert f'<a href="/campaigns/{campaign_id}/">' in html
    assert f'<a href="/campaigns/{campaign_id}/vouchers/?code=LINK-ME">LINK-ME</a>' in html
    tabs = re.search(r'<nav aria-label="Redemptions tabs">.*?</nav>', html, re.S).group(0)
    active = re.findall(r'<a class="nav-link active"[^>]*href="([^"]+)"', tabs)
    assert active == ["/redemptions/"]
    assert f'class="h5 fw-semibold mb-0 vh-id" title="{redemption.pk}"' in html
    # Staff may open neither campaigns nor the audit log: the names stay plain text.
    client.force_login(make_user(role_user, "Staff"))
    staff = client.get(f"/redemptions/{redemption.pk}/").content.decode()
    assert "/campaigns/" not in staff and "/audit-log/logs/" not in staff and "LINK-ME" in staff


def test_the_detail_links_the_request_log_of_the_redemption_and_of_each_event(client, role_user):
    from auditlog.models import RequestLog
    from voucherhub.ids import new_request_id

    redemption = redeemed("LOGGED")
    log = RequestLog.objects.create(id=new_request_id(), method="POST", path="/v1/redemptions", response_status=200)
    Redemption.objects.filter(pk=redemption.pk).update(request_log=log)
    assert Event.objects.filter(resource_id=redemption.pk).update(request_log=log) >= 1
    client.force_login(make_user(role_user, "Marketer"))
    html = client.get(f"/redemptions/{redemption.pk}/").content.decode()
    link = re.search(r'data-testid="redemption-log">(.*?)</dd>', html, re.S).group(1)
    # each id a link with its copy button
    assert f'<a class="vh-id" href="/audit-log/logs/{log.pk}/"' in link and f'data-copy="{log.pk}"' in link
    assert f'<a href="/audit-log/logs/{log.pk}/" data-testid="event-log">Request log</a>' in html
    client.force_login(make_user(role_user, "Staff"))
    assert "/audit-log/logs/" not in client.get(f"/redemptions/{redemption.pk}/").content.decode()
    assert f'href="/audit-log/logs/{log.pk}/"' in html


def test_list_ids_stay_whole_in_the_text_and_title_and_are_shortened_by_css(client, role_user, rows):
    client.force_login(make_user(role_user, "Marketer"))
    html = client.get("/redemptions/").content.decode()
    pk = rows["ok"].pk
    # cut in its middle by CSS: the head ends in an ellipsis, the last characters always show
    assert (
        f'<a class="vh-id" href="/redemptions/{pk}/" title="{pk}" aria-label="{pk}">'
        f'<span class="vh-id-head">{pk[:-4]}</span><span class="vh-id-tail">{pk[-4:]}</span></a>'
    ) in html
    assert "js/filters.js" in html  # drops empty filter parameters from the URL (tests/e2e)
