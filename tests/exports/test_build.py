"""Building exports: the filtered rows, UTC dates, escaped formula cells, and no export left stuck.

Tasks run eagerly here (after the commit, as in production); tests/e2e/test_exports.py runs them in a
real worker.
"""

import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from auditlog.models import Event
from exports import services
from exports.models import Export, ExportStatus, Notification
from exports.sources import ExportParamsError
from exports.writer import utc_text
from tests.exports.factories import FORMULA, export_csv, export_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(role_user):
    return role_user("Staff")


def request(user, *, fields, filters, capture, exported_object="redemption"):
    with capture(execute=True):
        export = services.request_export(
            exported_object=exported_object, fields=fields, filters=filters, channel="WEBSITE", user=user
        )
    export.refresh_from_db()
    return export


def test_a_filtered_export_has_exactly_the_filtered_rows_utc_dates_and_escaped_formula_cells(
    staff, django_capture_on_commit_callbacks
):
    summer, rows = export_rows()
    export = request(
        staff,
        fields=["id", "date", "voucher_code", "metadata.note"],
        filters={"campaign": summer.pk, "status": "SUCCEEDED"},
        capture=django_capture_on_commit_callbacks,
    )

    assert export.status == ExportStatus.DONE, export.error
    table = export_csv(export)
    assert table[0] == ["id", "date", "voucher_code", "metadata.note"]
    assert table[1:] == [
        [rows["formula"].pk, utc_text(rows["formula"].created_at), "SUMMER-1", "'" + FORMULA],
        [rows["plain"].pk, utc_text(rows["plain"].created_at), "SUMMER-2", "fine"],
    ]
    # ISO 8601 UTC with exactly three fraction digits, as the API writes dates, on either database's path
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row[1]) for row in table[1:])
    assert (export.rows, export.progress) == (2, 100)
    assert export.size == export.file.size and export.duration_ms is not None
    assert export.finished_at is not None and export.attempts == 1

    notification = Notification.objects.get(user=staff)
    assert notification.export == export and notification.read_at is None
    assert "2 rows" in notification.message
    assert list(Event.objects.filter(resource_id=export.pk).values_list("type", flat=True).order_by("type")) == [
        "export.created",
        "export.done",
    ]


def test_cells_starting_with_minus_plus_at_tab_or_cr_are_escaped(role_user, django_capture_on_commit_callbacks):
    from tests.redemptions.factories import make_redemption

    admin = role_user("Admin")  # the tracking id may name the customer: customer data

    texts = ["-2+3", "+1", "@SUM(A1)", "\tx", "\rx", "plain"]
    for i, text in enumerate(texts):
        make_redemption(voucher_code=f"C{i}", tracking_id=text, amount=500 + i)
    export = request(
        admin,
        fields=["voucher_code", "tracking_id", "amount"],
        filters={},
        capture=django_capture_on_commit_callbacks,
    )
    table = export_csv(export)
    by_code = {row[0]: row[1:] for row in table[1:]}
    assert by_code["C0"] == ["'-2+3", "500"]
    assert [by_code[f"C{i}"][0] for i in range(1, 6)] == ["'+1", "'@SUM(A1)", "'\tx", "'\rx", "plain"]


def test_no_fields_means_the_platforms_default_set(staff, django_capture_on_commit_callbacks):
    export_rows()
    export = request(staff, fields=[], filters={"result": "FAILURE"}, capture=django_capture_on_commit_callbacks)
    table = export_csv(export)
    assert table[0] == ["id", "object", "voucher_code", "date", "result"]  # less the customer, for Staff
    assert [row[1:3] + row[4:] for row in table[1:]] == [["redemption", "'-5 off", "FAILURE"]]


@pytest.mark.parametrize(
    ("fields", "filters", "key"),
    [
        (["id", "nope"], {}, "invalid_export_fields"),
        (["metadata.bad key"], {}, "invalid_export_fields"),
        (["customer_name"], {}, "invalid_export_fields"),  # customer data: Admin only
        (["id", "customer_id"], {}, "invalid_export_fields"),  # a customer's id follows the person
        (["customer_source_id"], {}, "invalid_export_fields"),
        (["id"], {"status": "BOGUS"}, "invalid_export_params"),
        (["id"], {"created_from": "not-a-date"}, "invalid_export_params"),
    ],
)
def test_bad_fields_or_filters_are_refused_and_nothing_is_saved(staff, fields, filters, key):
    with pytest.raises(ExportParamsError) as refused:
        services.request_export(
            exported_object="redemption", fields=fields, filters=filters, channel="WEBSITE", user=staff
        )
    assert refused.value.key == key
    assert not Export.objects.exists()


def test_an_unknown_exported_object_is_refused(staff):
    with pytest.raises(ExportParamsError, match="Cannot export"):
        services.request_export(exported_object="planets", fields=[], filters={}, channel="WEBSITE", user=staff)


def test_an_admin_may_export_customer_names(role_user, django_capture_on_commit_callbacks):
    admin = role_user("Admin")
    _, rows = export_rows()
    export = request(
        admin,
        fields=["voucher_code", "customer_name"],
        filters={"customer": "ann"},
        capture=django_capture_on_commit_callbacks,
    )
    assert export_csv(export)[1:] == [["SUMMER-1", "Ann"]]


def test_a_task_that_raises_ends_in_error_with_words_for_people_the_exception_in_the_log_and_a_notification(
    staff, settings, tmp_path, django_capture_on_commit_callbacks, caplog
):
    export_rows()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = str(blocker / "media")  # the storage cannot create its folder: a real failure
    with caplog.at_level(logging.ERROR, logger="exports.services"):
        export = request(staff, fields=["id"], filters={}, capture=django_capture_on_commit_callbacks)

    assert export.status == ExportStatus.ERROR
    assert export.error == "The export could not be written. Try again; if it keeps failing, tell your administrator."
    assert "NotADirectoryError" in caplog.text and "Not a directory" in caplog.text  # for whoever runs it
    assert not export.file
    assert Notification.objects.get(user=staff).message == (
        "Redemptions export failed: The export could not be written. Try again; if it keeps failing, tell your "
        "administrator."
    )
    event = Event.objects.get(resource_id=export.pk, type="export.failed")
    assert event.data["error"] == export.error  # the event's sentence says what the requester read
    assert event.data["detail"].startswith("NotADirectoryError: ")  # its technical details, for admins
    assert not list(services.temp_dir().glob(f"{export.pk}-*")), "the temporary file is removed"


def _stuck(user, *, attempts: int, minutes_ago: int = 10) -> Export:
    """An export whose worker died: IN_PROGRESS, heartbeat long gone, no file."""
    then = timezone.now() - timedelta(minutes=minutes_ago)
    return Export.objects.create(
        user=user,
        parameters={"fields": ["id"], "filters": {}},
        status=ExportStatus.IN_PROGRESS,
        attempts=attempts,
        started_at=then,
        heartbeat_at=then,
        progress=40,
    )


def test_the_reaper_retries_an_export_whose_worker_died_and_the_retry_finishes_it(
    staff, django_capture_on_commit_callbacks
):
    export_rows()
    export = _stuck(staff, attempts=1)
    fresh = _stuck(staff, attempts=1, minutes_ago=0)  # still beating: left alone

    counts = services.reap_exports()

    export.refresh_from_db()
    fresh.refresh_from_db()
    assert counts["retried"] == 1
    assert export.status == ExportStatus.DONE and export.attempts == 2 and export.rows == 4
    assert fresh.status == ExportStatus.IN_PROGRESS and not fresh.file


def test_the_reaper_gives_up_after_the_last_attempt_with_a_message(staff):
    export = _stuck(staff, attempts=services.MAX_ATTEMPTS)

    services.reap_exports()
    services.reap_exports()  # twice is harmless

    export.refresh_from_db()
    assert export.status == ExportStatus.ERROR
    assert f"stopped {services.MAX_ATTEMPTS} times" in export.error
    assert not export.file
    assert Notification.objects.filter(user=staff, export=export).count() == 1


def test_a_late_finish_from_a_presumed_dead_attempt_changes_nothing_and_drops_its_file(
    staff, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    export = _stuck(staff, attempts=2)
    name = default_storage.save(f"exports/{export.pk}-late.csv", ContentFile(b"id\n"))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.finish_export(export.pk, attempt=1, name=name, rows=1, size=3, duration_ms=1) is None

    export.refresh_from_db()
    assert export.status == ExportStatus.IN_PROGRESS and not export.file
    assert not default_storage.exists(name)


def test_a_second_delivery_of_the_same_task_does_nothing(staff, django_capture_on_commit_callbacks):
    export_rows()
    export = request(staff, fields=["id"], filters={}, capture=django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.DONE

    assert services.build_export(export.pk) is None

    export.refresh_from_db()
    assert export.attempts == 1 and Notification.objects.count() == 1


def test_gift_card_transactions_of_a_campaign_export_as_another_source_negative_amounts_stay_numbers(
    staff, django_capture_on_commit_callbacks
):
    from campaigns.models import VoucherTransaction
    from tests.factories import make_campaign, make_gift_card

    cards = make_campaign(name="Cards", campaign_type="GIFT_VOUCHERS")
    card = make_gift_card(code="CARD-1", campaign=cards, amount=5_000)
    other = make_gift_card(code="CARD-2", amount=1_000)
    VoucherTransaction.objects.create(voucher=card, source="CREATION", amount=5_000, balance_after=5_000)
    VoucherTransaction.objects.create(
        voucher=card, source="REDEMPTION", amount=-1_500, balance_after=3_500, related_object_id="r_1"
    )
    VoucherTransaction.objects.create(voucher=other, source="CREATION", amount=1_000, balance_after=1_000)

    export = request(
        staff,
        fields=["type", "amount", "balance", "voucher_id", "campaign_id"],
        filters={"campaign": cards.pk},
        exported_object="voucher_transactions",
        capture=django_capture_on_commit_callbacks,
    )
    assert export.status == ExportStatus.DONE, export.error
    assert export_csv(export)[0] == ["type", "amount_minor", "balance_minor", "voucher_id", "campaign_id"]
    assert sorted(export_csv(export)[1:]) == sorted(
        [
            ["CREDITS_ADDITION", "5000", "5000", card.pk, cards.pk],
            ["CREDITS_REDEMPTION", "-1500", "3500", card.pk, cards.pk],
        ]
    )


@pytest.fixture
def broker_down(celery_app_for_tests):
    """The Celery app pointed at a closed port, as when Redis is down; put back afterwards."""
    app = celery_app_for_tests
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}

    def reset_pools():  # forget (never close: kombu keeps them in a global registry) the cached pools
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False, broker_transport_options={})
    try:
        yield
    finally:
        reset_pools()
        app.conf.update(saved)
        reset_pools()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_request_succeeds_and_the_export_waits_scheduled(role_user, broker_down, caplog):
    staff = role_user("Staff")
    export_rows()

    export = services.request_export(
        exported_object="redemption", fields=["id"], filters={}, channel="WEBSITE", user=staff
    )

    export.refresh_from_db()
    assert export.status == ExportStatus.SCHEDULED and export.enqueued_at is not None
    assert "could not be enqueued; it stays SCHEDULED" in caplog.text
    assert services.reap_exports()["requeued"] == 0  # not stale yet: nothing resent


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_export_the_broker_never_took_is_sent_again_by_the_reaper(role_user):
    staff = role_user("Staff")
    export_rows()
    old = timezone.now() - services.REQUEUE_AFTER - timedelta(minutes=1)
    export = Export.objects.create(
        user=staff, parameters={"fields": ["id"], "filters": {}}, created_at=old, enqueued_at=old
    )

    assert services.reap_exports()["requeued"] == 1

    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.rows == 4


@pytest.mark.django_db(transaction=True)
def test_a_running_export_reports_its_progress_and_heartbeat(role_user, monkeypatch):
    from exports import writer

    export = _stuck(role_user("Staff"), attempts=1)
    monkeypatch.setattr(writer, "PROGRESS_EVERY", 0)  # report at every step, not once a second
    heartbeat = services._Heartbeat(export)  # on PostgreSQL through its own connection, as during a COPY
    try:
        progress = writer.Progress(expected=4_000, report=heartbeat)
        progress.add(1_000)
        export.refresh_from_db()
        assert export.progress == 25 and export.heartbeat_at > timezone.now() - timedelta(minutes=1)
        progress.add(10_000)  # the estimate was low: never 100 before the file is attached
        export.refresh_from_db()
        assert export.progress == 99 and export.status == ExportStatus.IN_PROGRESS
    finally:
        heartbeat.close()


def test_a_promotion_tiers_redemption_names_its_tier_where_the_voucher_code_would_be(
    staff, django_capture_on_commit_callbacks
):
    from tests.redemptions.factories import make_redemption, make_tier

    tier = make_tier(name="=Spend 100")
    make_redemption(related_object_type="promotion_tier", promotion_tier=tier, campaign=tier.campaign)
    make_redemption(voucher_code="CODE-1")
    export = request(staff, fields=[], filters={}, capture=django_capture_on_commit_callbacks)
    assert export_csv(export)[0] == ["id", "object", "voucher_code", "date", "result"]  # the API's, less customers

    from exports.forms import ExportForm

    dialog = ExportForm(user=staff, source_name="redemption")
    assert dialog.initial["fields"][2:4] == ["voucher_code", "promotion_tier"]  # the dialog ticks the tier too
    export = request(staff, fields=dialog.initial["fields"], filters={}, capture=django_capture_on_commit_callbacks)
    by_code = {row[2]: row[3] for row in export_csv(export)[1:]}
    assert by_code == {"": "'=Spend 100", "CODE-1": ""}  # and a formula-looking name is escaped


def test_the_csv_keeps_the_stored_status_and_channel_codes_the_pages_show_in_words(
    staff, django_capture_on_commit_callbacks
):
    summer, rows = export_rows()
    export = request(
        staff,
        fields=["voucher_code", "status", "channel"],
        filters={"campaign": summer.pk, "status": "FAILED"},
        capture=django_capture_on_commit_callbacks,
    )
    assert export_csv(export) == [
        ["voucher_code", "status", "channel"],
        ["'-5 off", "FAILED", "API"],
    ]  # a leading "-" is escaped
