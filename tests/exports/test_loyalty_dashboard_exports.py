"""A loyalty program's Transactions and Points expiration tabs export what they show: the tab's campaign and
filters select the rows, points are written as points (no ``_minor`` money suffix), and the export names
its filters in words. Tasks run eagerly after the commit (tests/e2e runs exports in a real worker)."""

import pytest

from exports import services
from exports.models import ExportStatus
from exports.sources import SOURCES
from loyalty.services.points import PointsChange, change_balance
from loyalty.services.programs import add_member, create_program
from tests.exports.factories import export_csv
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db

CALLER = Caller("API", "test")
MONTHLY = {"period_type": "MONTH", "period_value": 6}


@pytest.fixture
def club():
    """A program whose points expire after six months: Ann got 40 and spent 15, Bob got 70; another
    program's member got 5."""
    program = create_program(caller=CALLER, name="Club", expiration_rules=MONTHLY)
    ann = add_member(caller=CALLER, program=program.pk, customer={"source_id": "ann"})
    bob = add_member(caller=CALLER, program=program.pk, customer={"source_id": "bob"})
    other = create_program(caller=CALLER, name="Other club", expiration_rules=MONTHLY)
    eve = add_member(caller=CALLER, program=other.pk, customer={"source_id": "eve"})
    for card, points in ((ann, 40), (bob, 70), (ann, -15), (eve, 5)):
        change_balance(caller=CALLER, member=card.code, change=PointsChange(points=points, reason="By hand"))
    return program, ann, bob


def build(user, capture, exported_object, fields, filters):
    with capture(execute=True):
        export = services.request_export(
            exported_object=exported_object, fields=fields, filters=filters, channel="WEBSITE", user=user
        )
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE, export.error
    return export


def test_the_transactions_tab_exports_the_programs_points_changes_under_its_filters(
    role_user, django_capture_on_commit_callbacks, club
):
    program, ann, bob = club
    fields = ["type", "amount", "balance", "voucher_id", "campaign_id"]
    everything = build(
        role_user("Marketer"), django_capture_on_commit_callbacks, "voucher_transactions", fields,
        {"campaign": program.pk},
    )  # fmt: skip
    rows = export_csv(everything)
    assert rows[0] == fields  # points, not money: no _minor suffix
    assert sorted(rows[1:]) == sorted(
        [
            ["POINTS_ADDITION", "40", "40", ann.pk, program.pk],
            ["POINTS_ADDITION", "70", "70", bob.pk, program.pk],
            ["POINTS_REMOVAL", "-15", "25", ann.pk, program.pk],
        ]
    )
    removals = build(
        role_user("Admin"), django_capture_on_commit_callbacks, "voucher_transactions", fields,
        {"campaign": program.pk, "type": "POINTS_REMOVAL", "code": ann.code},
    )  # fmt: skip
    assert export_csv(removals)[1:] == [["POINTS_REMOVAL", "-15", "25", ann.pk, program.pk]]
    described = SOURCES["voucher_transactions"].describe(removals)
    assert described[0] == "Campaign: Club" and f"Card code: {ann.code}" in described


def test_the_points_expiration_tab_exports_what_is_left_to_expire_under_its_filters(
    role_user, django_capture_on_commit_callbacks, club
):
    program, ann, bob = club
    fields = ["voucher_id", "points", "status"]
    marketer = role_user("Marketer")
    everything = build(
        marketer, django_capture_on_commit_callbacks, "points_expiration", fields,
        {"campaign": program.pk},
    )  # fmt: skip
    assert export_csv(everything)[0] == fields
    assert sorted(export_csv(everything)[1:]) == sorted([[ann.pk, "25", "ACTIVE"], [bob.pk, "70", "ACTIVE"]])
    bobs = build(
        marketer, django_capture_on_commit_callbacks, "points_expiration", fields,
        {"campaign": program.pk, "code": bob.code},
    )  # fmt: skip
    assert export_csv(bobs)[1:] == [[bob.pk, "70", "ACTIVE"]]
    assert SOURCES["points_expiration"].describe(bobs) == ["Campaign: Club", f"Card code: {bob.code}"]


def test_a_points_expiration_filter_the_tab_could_not_read_is_refused_and_nothing_is_saved(
    role_user, django_capture_on_commit_callbacks, club
):
    from exports.models import Export
    from exports.sources import ExportParamsError

    program, _, _ = club
    with pytest.raises(ExportParamsError, match="expires_by"):
        services.request_export(
            exported_object="points_expiration", fields=["voucher_id"],
            filters={"campaign": program.pk, "expires_by": "not a date"}, channel="WEBSITE",
            user=role_user("Marketer"),
        )  # fmt: skip
    assert not Export.objects.exists()
