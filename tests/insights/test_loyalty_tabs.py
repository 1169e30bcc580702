"""A loyalty program's Loyalty cards, card and Points pages: what each role sees, and the Admin's manual
points change (reason required, never below zero, written to the ledger and the audit trail)."""

import html
import re

import pytest

from auditlog.models import Event
from loyalty.models import LoyaltyCard, PointsTransaction
from loyalty.services.points import PointsChange, change_balance
from loyalty.services.programs import add_member, create_program
from tests.factories import make_campaign
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller("API", "test")


@pytest.fixture
def club():
    program = create_program(caller=CALLER, name="Club", points=50)
    card = add_member(caller=CALLER, program=program.pk, customer={"source_id": "ann", "name": "Ann Lee"})
    return program, card.code


def signed_in(client, role_user, role: str):
    role_user(role)
    client.login(username=role.lower(), password="pw")
    return client


def test_a_marketer_sees_cards_and_points_but_not_who_holds_them(client, role_user, club):
    program, code = club
    marketer = signed_in(client, role_user, "Marketer")
    cards = marketer.get(f"/campaigns/{program.pk}/loyalty-cards/").content.decode()
    assert f'data-card="{code}"' in cards and 'data-balance="50"' in cards
    assert "Member" in cards and "Ann Lee" not in cards
    points = marketer.get(f"/campaigns/{program.pk}/points/").content.decode()
    assert 'data-points="50"' in points and "Points added" in points
    page = marketer.get(f"/campaigns/{program.pk}/loyalty-cards/{code}/").content.decode()
    assert 'data-testid="card-balance">50<' in page and "Held by a member" in page
    assert "Add or take points" not in page
    assert (
        marketer.post(f"/campaigns/{program.pk}/loyalty-cards/{code}/", {"points": 5, "reason": "x"}).status_code == 403
    )
    assert LoyaltyCard.objects.get(voucher__code=code).balance == 50


def test_the_participants_tab_lists_the_members_for_roles_that_may_see_customers(client, role_user, club):
    from loyalty.services.tiers import create_tiers

    program, code = club
    create_tiers(caller=CALLER, program=program.pk, items=[{"name": "Silver", "points_from": 0, "points_to": 99}])
    outsider = add_member(caller=CALLER, program=program.pk, customer={"source_id": "bob", "email": "bob@x.io"})
    admin = signed_in(client, role_user, "Admin")
    overview = admin.get(f"/campaigns/{program.pk}/").content.decode()
    assert ">Participants<" in overview
    listed = admin.get(f"/campaigns/{program.pk}/participants/").content.decode()
    assert "Ann Lee" in listed and "bob@x.io" in listed and "Silver" in listed
    assert f'data-card="{code}"' in listed and f'data-card="{outsider.code}"' in listed
    found = admin.get(f"/campaigns/{program.pk}/participants/", {"customer": "BOB@"}).content.decode()
    assert f'data-card="{outsider.code}"' in found and "Ann Lee" not in found
    nobody = admin.get(f"/campaigns/{program.pk}/participants/", {"customer": "zed"}).content.decode()
    assert "No participants match these filters" in nobody
    client.logout()
    marketer = signed_in(client, role_user, "Marketer")  # may not see customers: no tab, 403
    assert ">Participants<" not in marketer.get(f"/campaigns/{program.pk}/").content.decode()
    assert marketer.get(f"/campaigns/{program.pk}/participants/").status_code == 403


@pytest.mark.parametrize("tab", ["loyalty-cards", "participants"])
def test_the_cards_lists_page_on_to_their_last_members(client, role_user, tab):
    """A card's primary key is its voucher: the next page's cursor carries the voucher's id."""
    program = create_program(caller=CALLER, name="Big club", points=5)
    for n in range(30):
        add_member(caller=CALLER, program=program.pk, customer={"source_id": f"m{n}"})
    admin = signed_in(client, role_user, "Admin")
    first = admin.get(f"/campaigns/{program.pk}/{tab}/", {"per_page": 25}).content.decode()
    assert first.count("data-card=") == 25
    following = html.unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1))
    second = admin.get(f"/campaigns/{program.pk}/{tab}/{following}").content.decode()
    assert second.count("data-card=") == 5
    codes = set(re.findall(r'data-card="([^"]+)"', first)) | set(re.findall(r'data-card="([^"]+)"', second))
    assert len(codes) == 30


def test_an_admin_adds_and_takes_points_with_a_reason(client, role_user, club):
    program, code = club
    admin = signed_in(client, role_user, "Admin")
    url = f"/campaigns/{program.pk}/loyalty-cards/{code}/"
    page = admin.get(url).content.decode()
    assert "Ann Lee" in page and "Add or take points" in page

    answer = admin.post(url, {"points": 25, "reason": "Apology for a late parcel"})
    assert answer.status_code == 302 and answer["Location"].endswith("?changed=1")
    assert "Points changed." in admin.get(answer["Location"]).content.decode()
    card = LoyaltyCard.objects.get(voucher__code=code)
    assert card.balance == 75
    entry = PointsTransaction.objects.filter(card=card).first()
    assert (entry.points, entry.reason, entry.source) == (25, "Apology for a late parcel", "USER")
    event = Event.objects.get(type="voucher.loyalty_card.points_aded", resource_id=card.pk)
    assert event.user.username == "admin"


@pytest.mark.parametrize(
    "sent, field_error",
    [
        ({"points": 0, "reason": "Oops"}, "Enter a number of points other than 0."),
        ({"points": 10, "reason": ""}, "This field is required."),
        ({"points": -51, "reason": "Too many"}, "has 50 points; 51 cannot be taken from it"),
    ],
)
def test_a_bad_points_change_is_a_form_error_and_changes_nothing(client, role_user, club, sent, field_error):
    program, code = club
    admin = signed_in(client, role_user, "Admin")
    answer = admin.post(f"/campaigns/{program.pk}/loyalty-cards/{code}/", sent)
    assert answer.status_code == 400
    assert field_error in answer.content.decode().replace("&#x27;", "'")
    assert LoyaltyCard.objects.get(voucher__code=code).balance == 50
    assert PointsTransaction.objects.count() == 1  # the starting points only


def test_the_programs_overview_adds_up_its_points(client, role_user, club):
    program, code = club
    add_member(caller=CALLER, program=program.pk, customer={"source_id": "bob"})
    change_balance(caller=CALLER, member=code, change=PointsChange(-20, "Free coffee"))
    html = signed_in(client, role_user, "Marketer").get(f"/campaigns/{program.pk}/").content.decode()
    shown = dict(re.findall(r'data-figure="(\w+)" data-value="(-?\d+)"', html))
    expected = {
        "members": "2",
        "points_added": "100",
        "points_taken": "20",
        "points_expired": "0",
        "points_balance": "80",
    }
    assert {key: shown[key] for key in expected} == expected


def test_the_points_tab_says_who_made_each_change_the_api_the_dashboard_or_the_beat(client, role_user):
    from datetime import timedelta

    from django.utils import timezone

    from loyalty.services.expiration import expire_points

    program = create_program(caller=CALLER, name="Club", points=1250, expiration_rules={"period_type": "MONTH"})
    code = add_member(caller=CALLER, program=program.pk, customer={"source_id": "ann"}).code
    admin = signed_in(client, role_user, "Admin")
    admin.post(f"/campaigns/{program.pk}/loyalty-cards/{code}/", {"points": 5, "reason": "Welcome gift"})
    assert expire_points(today=timezone.localdate() + timedelta(days=70), workers=1) == 1
    page = admin.get(f"/campaigns/{program.pk}/points/").content.decode()
    by = [html.unescape(cell) for cell in re.findall(r'<td data-testid="points-by">([^<]*)</td>', page)]
    assert by == ["Automation", "Dashboard", "API"]  # newest first: expired, added by hand, the starting points
    assert PointsTransaction.objects.filter(type="POINTS_EXPIRATION").get().source == "SYSTEM"
    card = admin.get(f"/campaigns/{program.pk}/loyalty-cards/{code}/").content.decode()
    changes = card[card.index('id="card-changes"') :]
    assert re.findall(r"<td>(Automation|Dashboard|API)</td>", changes) == ["Automation", "Dashboard", "API"]
    assert (
        '<dd class="col-6">1,255</dd>' in card and "-1,255" in changes
    )  # points added; expired, as the tab writes them


def test_a_program_without_members_says_so_and_other_campaigns_have_no_loyalty_tabs(client, role_user):
    program = create_program(caller=CALLER, name="Empty club")
    marketer = signed_in(client, role_user, "Marketer")
    assert "No members yet" in marketer.get(f"/campaigns/{program.pk}/loyalty-cards/").content.decode()
    overview = marketer.get(f"/campaigns/{program.pk}/").content.decode()
    assert "Loyalty cards" in overview and "Points" in overview
    assert "Cards created" in overview and "Vouchers created" not in overview
    assert 'data-testid="points-expire">Never<' in overview
    coupons = make_campaign(name="Coupons")
    assert marketer.get(f"/campaigns/{coupons.pk}/loyalty-cards/").status_code == 404
    assert marketer.get(f"/campaigns/{program.pk}/loyalty-cards/NOPE/").status_code == 404


@pytest.mark.parametrize(
    "rules, words",
    [
        (None, "Never"),
        ({"period_type": "MONTH", "period_value": 12}, "12 months after they are added"),
        ({"period_type": "MONTH", "period_value": 1, "rounding_type": "END_OF_QUARTER"},
         "1 month after they are added, at the end of that quarter"),
        ({"period_type": "MONTH", "period_value": 6, "rounding_type": "PARTICULAR_MONTH", "rounding_value": 3},
         "6 months after they are added, at the end of the next March"),
        ({"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 12, "fixed_day": 31},
         "On 31 December after they are added"),
    ],
)  # fmt: skip
def test_the_overview_says_when_points_expire(client, role_user, rules, words):
    program = create_program(caller=CALLER, name="Club", expiration_rules=rules)
    overview = signed_in(client, role_user, "Marketer").get(f"/campaigns/{program.pk}/").content.decode()
    assert f'data-testid="points-expire">{words}<' in overview
