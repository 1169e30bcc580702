"""The Audit log pages: request logs with their filters, a log's page, events; who may open them."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from auditlog.models import Event, RequestLog
from auditlog.sentences import sentence_html
from tests.api.conftest import JsonClient, api, credentials  # noqa: F401 - fixtures
from tests.factories import make_voucher

pytestmark = pytest.mark.django_db

SECRET = "sup3r-secret-value"


def redeem_with_secrets(shop, code: str, source: str):
    """A real ``POST /v1/redemptions`` that succeeds, with a secret in its metadata and its query string."""
    make_voucher(code=code)
    return shop.post(
        f"/v1/redemptions?token={SECRET}",
        {
            "redeemables": [{"object": "voucher", "id": code}],
            "order": {"amount": 5_000},
            "metadata": {"api_token": SECRET, "source": source},
        },
    )


@pytest.fixture
def calls(api):  # noqa: F811
    """Three real /v1/ calls: a redemption with secrets, one of an unknown code (404) and a GET."""
    ok = redeem_with_secrets(api, "AUDIT-1", "audit-test")
    missing = api.post(
        "/v1/redemptions", {"redeemables": [{"object": "voucher", "id": "NOPE"}], "order": {"amount": 1}}
    )
    listed = api.get("/v1/vouchers", {"limit": 5})
    assert (ok.status_code, missing.status_code, listed.status_code) == (200, 404, 200)
    return {
        "ok": RequestLog.objects.get(pk=ok["X-Request-Id"]),
        "missing": RequestLog.objects.get(pk=missing["X-Request-Id"]),
        "listed": RequestLog.objects.get(pk=listed["X-Request-Id"]),
    }


def ids_on(client, **params) -> set[str]:
    response = client.get(reverse("auditlog:logs"), params)
    assert response.status_code == 200
    return {log_id for log_id in RequestLog.objects.values_list("id", flat=True) if log_id in response.content.decode()}


def test_request_logs_filter_by_method_path_status_channel_and_date(calls, role_user, client, credentials):  # noqa: F811
    client.force_login(role_user("Marketer"))
    everything = {log.pk for log in calls.values()}
    assert ids_on(client) == everything
    assert ids_on(client, method="GET") == {calls["listed"].pk}
    assert ids_on(client, path="/v1/redemptions") == {calls["ok"].pk, calls["missing"].pk}
    assert ids_on(client, status="404") == {calls["missing"].pk}
    assert ids_on(client, status="2xx") == {calls["ok"].pk, calls["listed"].pk}
    assert ids_on(client, channel=credentials.name) == everything
    assert ids_on(client, channel="Another shop") == set()
    today = timezone.localdate()
    assert ids_on(client, created_from=today.isoformat(), created_to=today.isoformat()) == everything
    assert ids_on(client, created_to=(today - timedelta(days=1)).isoformat()) == set()


@pytest.mark.parametrize(
    "params", [{"status": "abc"}, {"method": "BREW"}, {"created_from": "yesterday"}, {"page": "-3"}, {"per_page": "9"}]
)
def test_garbage_filters_give_a_form_error_or_an_empty_list_never_a_500(calls, role_user, client, params):
    client.force_login(role_user("Marketer"))
    response = client.get(reverse("auditlog:logs"), params)
    assert response.status_code == 200


def test_a_filter_change_renders_only_the_table(calls, role_user, client):
    client.force_login(role_user("Marketer"))
    response = client.get(
        reverse("auditlog:logs"), {"method": "GET"}, headers={"HX-Request": "true", "HX-Target": "log-table"}
    )
    html = response.content.decode()
    assert 'id="log-table"' in html and "<html" not in html and calls["listed"].pk in html


def test_a_logs_page_shows_the_bodies_and_query_with_secrets_removed_and_its_events(calls, role_user, client):
    client.force_login(role_user("Marketer"))
    log = calls["ok"]
    response = client.get(reverse("auditlog:log_detail", args=[log.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert SECRET not in html and "[removed]" in html
    assert "audit-test" in html and "AUDIT-1" in html  # request body
    assert '"object": "redemption"' in html or "&quot;object&quot;: &quot;redemption&quot;" in html  # response
    assert "X-App-Token" not in html
    for event in Event.objects.filter(request_log_id=log.pk):  # in words; the raw key is for admins
        assert str(sentence_html(event)) in html and event.type not in html
    assert Event.objects.filter(request_log_id=log.pk).exists()


def test_the_events_list_shows_events_with_a_link_to_their_log(calls, role_user, client):
    client.force_login(role_user("Marketer"))
    event = Event.objects.filter(request_log_id=calls["ok"].pk).first()
    html = client.get(reverse("auditlog:events"), {"type": "redemption."}).content.decode()
    assert str(sentence_html(event)) in html and reverse("auditlog:log_detail", args=[calls["ok"].pk]) in html
    assert client.get(reverse("auditlog:events"), {"type": "session."}).content.decode().count("<tbody>") <= 1


def test_an_event_says_whether_the_api_a_dashboard_user_or_the_beats_automation_made_it(role_user, client):
    from auditlog.services import record_event
    from voucherhub.caller import Caller

    admin = role_user("Admin")
    for caller in (Caller.system("points-expiration"), Caller.for_user(admin), Caller("API", "Web shop")):
        record_event("campaign.created", caller=caller, resource_type="campaign", resource_id="camp_1", data={})
    client.force_login(admin)
    html = client.get(reverse("auditlog:events")).content.decode()
    channel = (
        r'<span class="vh-channel-kind">([^<]+)</span><div[^>]*data-testid="channel-name">(?:<span[^>]*>)?([^<]+)<'
    )
    kinds = re.findall(channel, html)
    assert kinds == [("API", "Web shop"), ("Dashboard user", admin.username), ("Automation", "points-expiration")]


def test_an_unknown_log_is_404(role_user, client):
    client.force_login(role_user("Marketer"))
    assert client.get(reverse("auditlog:log_detail", args=["v-nope"])).status_code == 404


def _rows_of(html: str, ids: list[str]) -> list[str]:
    return [pk for pk in ids if pk in html]


def _link(html: str, testid: str) -> str:
    import re

    match = re.search(rf'href="([^"]*)" data-testid="{testid}"', html)
    assert match, f"no {testid} link"
    return match.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("kind", ["logs", "events"])
def test_the_audit_lists_page_by_cursor_with_previous_and_next(role_user, client, kind):
    """25 rows at 10 a page: page 2 shows other rows than page 1, and « Previous returns to page 1."""
    start = timezone.now() - timedelta(hours=1)
    if kind == "logs":
        for n in range(25):
            RequestLog.objects.create(
                id=f"v-page{n:03d}",
                created_at=start + timedelta(seconds=n),
                method="GET",
                path="/v1/vouchers",
                response_status=200,
            )
        ids = [f"v-page{n:03d}" for n in range(25)]
    else:
        for n in range(25):
            Event.objects.create(
                resource_id=f"r_page{n:03d}", type="voucher.created", occurred_at=start + timedelta(seconds=n)
            )
        ids = [f"r_page{n:03d}" for n in range(25)]
    newest_first = ids[::-1]
    client.force_login(role_user("Marketer"))
    url = reverse(f"auditlog:{kind}")
    first = client.get(url, {"per_page": 10}).content.decode()
    assert _rows_of(first, ids) == sorted(newest_first[:10])
    assert 'data-testid="page-next"' in first and 'data-testid="page-previous"' not in first
    assert "?page=2" not in first and "page=2" not in first  # no numbered pager that cannot move

    second = client.get(url + _link(first, "page-next")).content.decode()
    assert _rows_of(second, ids) == sorted(newest_first[10:20])
    assert 'data-testid="page-previous"' in second and 'data-testid="page-next"' in second

    third = client.get(url + _link(second, "page-next")).content.decode()
    assert _rows_of(third, ids) == sorted(newest_first[20:])
    assert 'data-testid="page-next"' not in third

    back = client.get(url + _link(third, "page-previous")).content.decode()
    assert _rows_of(back, ids) == sorted(newest_first[10:20])
    again = client.get(url + _link(back, "page-previous")).content.decode()
    assert _rows_of(again, ids) == sorted(newest_first[:10])
    assert 'data-testid="page-previous"' not in again


def test_a_logs_page_keeps_the_audit_tabs_with_logs_highlighted(calls, role_user, client):
    import re

    client.force_login(role_user("Marketer"))
    html = client.get(reverse("auditlog:log_detail", args=[calls["ok"].pk])).content.decode()
    tabs = re.search(r'<nav aria-label="Audit log tabs">(.*?)</nav>', html, re.S)
    assert tabs, "the section tabs are missing"
    links = re.findall(r'<a class="nav-link( active)?"[^>]*>(\w+)</a>', tabs.group(1))
    assert [label for _, label in links] == ["Logs", "Events", "Exports"]
    assert [label for active, label in links if active] == ["Logs"]
    assert 'aria-current="location"' in tabs.group(1)  # the page is below the Logs tab
