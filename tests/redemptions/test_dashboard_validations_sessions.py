"""The Validations and Sessions tabs: who may see and release what, bad filters, and a flat query count."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from redemptions.models import Validation
from redemptions.services import validation
from sessions.models import ReleaseReason, SessionStatus, ValidationSession
from tests.factories import make_customer, make_gift_card, make_voucher, stack
from tests.redemptions.factories import body, voucher
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller.system("tests")
SESSIONS = "/redemptions/sessions/"
VALIDATIONS = "/redemptions/validations/"


def validate(*codes: str, key: str | None = None, customer: str = "shopper-1", amount: int = 10_000, **extra):
    redeemables = [voucher(code, **extra) for code in codes]
    request = body(*redeemables, amount=amount, customer=customer)
    if key:
        request["session"] = {"type": "LOCK", "key": key}
    fields = {k: request.get(k) for k in ("redeemables", "order", "customer", "session")}
    return validation.validate(stack(**fields), caller=CALLER)


def locked_session(key: str, *codes: str) -> ValidationSession:
    outcome = validate(*codes, key=key)
    assert outcome.session is not None
    return outcome.session


def login(client, role_user, role: str | None, superuser: bool = False):
    user = role_user(role, superuser=superuser)
    client.force_login(user)
    return user


ROLES = [("Staff", False), ("Marketer", False), ("Admin", False), (None, True)]


def test_anonymous_visitors_are_sent_to_login(client):
    for url in (SESSIONS, VALIDATIONS, SESSIONS + "ssn_x/", VALIDATIONS + "valid_x/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/")
    assert client.post(SESSIONS + "ssn_x/release/").status_code == 302


@pytest.mark.parametrize(("role", "superuser"), ROLES)
def test_each_role_opens_the_tabs_it_may(client, role_user, role, superuser):
    make_voucher(code="LOCKME")
    session = locked_session("ssn_matrix", "LOCKME")
    validation_id = services_validation_id()
    login(client, role_user, role, superuser)
    expected = 403 if role == "Staff" else 200
    for url in (SESSIONS, VALIDATIONS, f"{SESSIONS}{session.key}/", f"{VALIDATIONS}{validation_id}/"):
        assert client.get(url).status_code == expected, url


def services_validation_id() -> str:
    return Validation.objects.values_list("pk", flat=True).first()


@pytest.mark.parametrize(
    ("role", "superuser", "allowed"),
    [("Staff", False, False), ("Marketer", False, False), ("Admin", False, True), (None, True, True)],
)
def test_only_admins_and_superusers_release_a_session(client, role_user, role, superuser, allowed):
    make_voucher(code="HELD")
    locked_session("ssn_release", "HELD")
    login(client, role_user, role, superuser)
    page = client.get(SESSIONS)
    if role != "Staff":
        assert page.status_code == 200
        assert (b">Release</button>" in page.content) is allowed
    response = client.post(SESSIONS + "ssn_release/release/", headers={"HX-Request": "true"})
    session = ValidationSession.objects.get(pk="ssn_release")
    if allowed:
        assert response.status_code == 200
        assert response.content.lstrip().startswith(b"<tr")
        assert b">Released</span>" in response.content and b">Release</button>" not in response.content
        assert session.status == SessionStatus.RELEASED and session.release_reason == ReleaseReason.MANUAL
        assert session.locks.filter(released_at__isnull=True).count() == 0
    else:
        assert response.status_code == 403
        assert session.status == SessionStatus.ACTIVE


def test_a_release_without_htmx_redirects_to_the_session_page(client, role_user):
    make_voucher(code="PLAIN")
    locked_session("ssn_plain", "PLAIN")
    login(client, role_user, "Admin")
    response = client.post(SESSIONS + "ssn_plain/release/")
    assert response.status_code == 302 and response.url == SESSIONS + "ssn_plain/"
    assert b">Released</span>" in client.get(response.url).content


def test_releasing_an_unknown_session_is_a_404(client, role_user):
    login(client, role_user, "Admin")
    assert client.post(SESSIONS + "ssn_nope/release/", headers={"HX-Request": "true"}).status_code == 404
    assert client.get(SESSIONS + "ssn_nope/").status_code == 404


def test_sessions_filters_by_status_voucher_and_customer(client, role_user):
    make_voucher(code="AAA")
    make_voucher(code="BBB")
    make_customer(source_id="alice", name="Alice Example")
    locked_session("ssn_a", "AAA")
    validate("BBB", key="ssn_b", customer="alice")
    login(client, role_user, "Admin")

    def keys(**params):
        content = client.get(SESSIONS, params).content.decode()
        return {k for k in ("ssn_a", "ssn_b") if f">{k}</a>" in content}

    assert keys() == {"ssn_a", "ssn_b"}
    assert keys(voucher="AAA") == {"ssn_a"}
    assert keys(customer="Alice") == {"ssn_b"}
    assert keys(status="RELEASED") == set()
    assert keys(status="ACTIVE") == {"ssn_a", "ssn_b"}


def _customer_filter_and_column(content: str) -> tuple[bool, bool]:
    """(the filter panel has a Customer field, the table has a Customer header)."""
    field = 'name="customer"' in content
    header = re.search(r"<th[^>]*>\s*(<a[^>]*>)?\s*Customer\b", content) is not None
    return field, header


@pytest.mark.parametrize("url", [SESSIONS, VALIDATIONS])
def test_a_marketer_sees_no_customer_filter_or_column_and_an_admin_does(client, role_user, url):
    make_voucher(code="CUST")
    bob = make_customer(source_id="bob", name="Bob Shopper", email="bob@example.com")
    validate("CUST", key="ssn_c", customer="bob")
    validate("CUST", customer="bob")

    login(client, role_user, "Marketer")
    content = client.get(url).content.decode()
    assert _customer_filter_and_column(content) == (False, False)
    assert "Bob Shopper" not in content and bob.pk not in content
    # ?customer= is ignored for them: the rows stay, and no filter reads as set
    filtered = client.get(url, {"customer": "nobody-at-all"}).content.decode()
    assert "No sessions match" not in filtered and "No validations match" not in filtered
    assert "Bob Shopper" not in filtered and bob.pk not in filtered

    client.logout()
    login(client, role_user, "Admin")
    content = client.get(url).content.decode()
    assert _customer_filter_and_column(content) == (True, True)
    assert "Bob Shopper" in content
    for value in (bob.pk, "bob", "bob@example.com", "Bob"):  # id, source id, email, name
        assert "Bob Shopper" in client.get(url, {"customer": value}).content.decode(), value
    assert "Bob Shopper" not in client.get(url, {"customer": "carol"}).content.decode()


def test_the_table_alone_comes_back_for_a_filter_change(client, role_user):
    login(client, role_user, "Marketer")
    response = client.get(SESSIONS, {"status": "ACTIVE"}, headers={"HX-Request": "true", "HX-Target": "session-table"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="session-table"') and "nav-tabs" not in content
    assert "No sessions match" in content
    tab = client.get(SESSIONS, headers={"HX-Request": "true", "HX-Target": "section-body"}).content.decode()
    assert 'id="section-body"' in tab and "<html" not in tab and "No sessions yet" in tab


@pytest.mark.parametrize(
    "params",
    [
        {"status": "NOPE"},
        {"per_page": "-3"},
        {"per_page": "abc"},
        {"page": "-1"},
        {"page": "zzz"},
        {"page": "999999999999"},
        {"sort": "nonsense"},
        {"voucher": "x" * 500},
        {"customer": "\x00"},
    ],
)
def test_bad_session_filters_give_a_form_error_never_a_500(client, role_user, params):
    login(client, role_user, "Admin")
    response = client.get(SESSIONS, params)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"valid": "maybe"},
        {"date_from": "yesterday"},
        {"date_to": "2024-13-45"},
        {"per_page": "7"},
        {"sort": "-nonsense"},
        {"session_key": "x" * 500},
    ],
)
def test_bad_validation_filters_give_a_form_error_never_a_500(client, role_user, params):
    login(client, role_user, "Admin")
    response = client.get(VALIDATIONS, params)
    assert response.status_code == 200
    # an unknown sort is ignored, "valid=maybe" reads as "either" and a page size not offered as the default
    # (25 rows, as on every list); the rest are reported
    reported = "Some filters could not be read" in response.content.decode()
    assert reported is not bool({"sort", "valid", "per_page"} & set(params))


@pytest.mark.parametrize(
    ("url", "params", "label"),
    [
        ("/redemptions/", {"created_from": "notadate"}, "Date range from"),
        ("/redemptions/", {"created_to": "2024-13-45"}, "Date range to"),
        (VALIDATIONS, {"date_from": "notadate"}, "Date from"),
        (VALIDATIONS, {"date_to": "2024-13-45"}, "Date to"),
        (SESSIONS, {"status": "NOPE"}, "Status"),
    ],
)
def test_a_filter_error_names_the_field_as_the_panel_labels_it(client, role_user, url, params, label):
    login(client, role_user, "Admin")
    content = unescape(client.get(url, params).content.decode())
    assert re.search(rf"<li>\s*{label}: ", content), content
    assert "Createdfrom" not in content and "created_from:" not in content and "date_from:" not in content


def test_validations_list_filters_and_the_detail_shows_each_redeemable_with_its_reason(client, role_user):
    make_voucher(code="GOOD")
    make_voucher(code="OFF", active=False)
    validate("GOOD", amount=25_000)
    validate("GOOD", "OFF", amount=5_000)
    login(client, role_user, "Marketer")
    content = client.get(VALIDATIONS).content.decode()
    assert "250.00" in content and "50.00" in content and "2 validations" in content
    assert "1 validation<" in client.get(VALIDATIONS, {"valid": "true"}).content.decode()
    assert "0 validations" in client.get(VALIDATIONS, {"date_to": "2000-01-01"}).content.decode()

    from redemptions.models import Validation

    invalid = Validation.objects.get(valid=False)
    detail = client.get(f"{VALIDATIONS}{invalid.pk}/").content.decode()
    assert "kept 30 days" in detail
    assert "GOOD" in detail and "OFF" in detail and ">Inapplicable<" in detail
    assert "voucher_disabled" in detail or "Voucher was disabled" in detail


def _queries_for(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_a_page_of_50_sessions_costs_as_many_queries_as_a_page_of_10(client, role_user):
    customer = make_customer()
    from django.utils import timezone

    from sessions.models import SessionLock

    now = timezone.now()
    for n in range(60):
        session = ValidationSession.objects.create(key=f"ssn_q{n:03}", expires_at=now, customer=customer)
        SessionLock.objects.create(session=session, voucher=make_gift_card(code=f"Q{n:03}"), credits=100)
    login(client, role_user, "Admin")
    small = _queries_for(client, SESSIONS, {"per_page": 10})
    large = _queries_for(client, SESSIONS, {"per_page": 50})
    assert small == large
    validate("Q001")
    assert _queries_for(client, VALIDATIONS, {"per_page": 10}) == _queries_for(client, VALIDATIONS, {"per_page": 50})


def test_the_validations_and_sessions_lists_page_by_cursor_too(client, role_user):
    now = timezone.now()
    made = [Validation.objects.create(created_at=now - timedelta(minutes=i), valid=True) for i in range(13)]
    sessions = [
        ValidationSession.objects.create(key=f"ssn_page_{i:02}", expires_at=now, created_at=now - timedelta(minutes=i))
        for i in range(13)
    ]
    login(client, role_user, "Marketer")
    for url, rows in ((VALIDATIONS, [v.pk for v in made]), (SESSIONS, [s.key for s in sessions])):
        html = client.get(f"{url}?per_page=10").content.decode()
        first = [pk for pk in rows if pk in html]
        assert first == rows[:10], url
        after = re.search(r'href="([^"]+)"\s+data-testid="page-next"', html).group(1)
        assert "after=" in after
        with CaptureQueriesContext(connection) as captured:
            html = client.get(url + unescape(after)).content.decode()
        assert [pk for pk in rows if pk in html] == rows[10:], url
        assert not any("OFFSET" in q["sql"].upper() for q in captured)
        assert 'data-testid="page-next"' not in html and 'data-testid="page-previous"' in html
