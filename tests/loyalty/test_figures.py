"""A big program's dashboard totals: the beat's task stores them (members, points, members per tier) for
programs over the live limit, the overview and the Tiers tab read them and say as of when, and a program
back under the limit is added up live again."""

import pytest

from loyalty.models import ProgramFigures
from loyalty.services import figures
from loyalty.services.points import PointsChange, change_balance
from loyalty.services.programs import add_member, create_program
from loyalty.services.tiers import create_tiers
from loyalty.tasks import refresh_program_figures
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller("API", "test")


@pytest.fixture
def club():
    program = create_program(caller=CALLER, name="Club", points=10)
    create_tiers(caller=CALLER, program=program.pk, items=[{"name": "Gold", "points_from": 50}])
    ann = add_member(caller=CALLER, program=program.pk, customer={"source_id": "ann"})
    add_member(caller=CALLER, program=program.pk, customer={"source_id": "bob"})
    change_balance(caller=CALLER, member=ann.code, change=PointsChange(points=60, reason="Welcome"))
    return program, ann


def test_a_program_over_the_live_limit_gets_its_figures_stored_and_its_pages_read_them(
    club, monkeypatch, client, role_user
):
    program, ann = club
    monkeypatch.setattr(figures, "LIVE_LIMIT", 1)
    assert refresh_program_figures() == 1
    row = ProgramFigures.objects.get(campaign=program)
    assert (row.cards, row.members, row.points, row.balance) == (2, 2, 80, 80)
    gold = program.loyalty_tiers.get()
    assert row.tier_members == {gold.pk: 1}

    # A change after the refresh shows at the next one: the pages say as of when.
    change_balance(caller=CALLER, member=ann.code, change=PointsChange(points=5, reason="Late"))
    role_user("Admin")
    client.login(username="admin", password="pw")
    overview = client.get(f"/campaigns/{program.pk}/").content.decode()
    assert 'data-figure="points_added" data-value="80"' in overview  # as stored, not 85 yet
    assert "as of" in overview and "added up every minute" in overview
    tiers = client.get(f"/campaigns/{program.pk}/loyalty-tiers/").content.decode()
    assert f'data-tier="{gold.pk}" data-members="1"' in tiers and "counted every minute" in tiers
    refresh_program_figures()
    assert ProgramFigures.objects.get(campaign=program).points == 85


def test_a_program_under_the_limit_is_added_up_live_and_loses_any_stored_figures(club, monkeypatch):
    program, ann = club
    monkeypatch.setattr(figures, "LIVE_LIMIT", 1)
    refresh_program_figures()
    monkeypatch.setattr(figures, "LIVE_LIMIT", 2)
    assert refresh_program_figures() == 0
    assert not ProgramFigures.objects.exists()
    live = figures.program_figures(program)
    assert live.as_of is None and live.points["points"] == 80 and live.points["members"] == 2
