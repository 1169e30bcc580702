"""The Export dialog, progress, downloads and the notifications center through Django's test client."""

import pytest
from django.urls import reverse

from exports.models import Export, ExportStatus, Notification
from tests.exports.factories import FORMULA, export_rows, read_csv

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def signed_in(client, user):
    client.force_login(user)
    return client


def download_url(export: Export, token: str | None = None) -> str:
    return f"{reverse('exports:download', args=[export.pk])}?token={token or export.token}"


@pytest.fixture
def done_export(role_user, client, django_capture_on_commit_callbacks):
    """A finished export of the Summer sale's succeeded redemptions, requested by a Staff user."""
    staff = role_user("Staff")
    summer, rows = export_rows()
    signed_in(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exports:create"),
            {
                "exported_object": "redemption",
                "fields": ["id", "voucher_code", "metadata.note"],
                "campaign": summer.pk,
                "status": "SUCCEEDED",
            },
            headers=HTMX,
        )
    assert response.status_code == 200
    export = Export.objects.get()
    return staff, export, rows, response


def test_the_dialog_shows_the_current_filters_and_the_metadata_keys_present(role_user, client):
    summer, _ = export_rows()
    signed_in(client, role_user("Staff"))
    response = client.get(reverse("exports:dialog"), {"campaign": summer.pk, "status": "SUCCEEDED"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Campaign: Summer sale" in html and "Status: Succeeded" in html
    assert 'value="metadata.note"' in html and 'value="metadata.source"' in html
    assert f'name="campaign" value="{summer.pk}"' in html
    assert 'value="customer_name"' not in html  # customer data is Admin only


@pytest.mark.parametrize("role", ["Staff", "Marketer"])
def test_the_dialog_offers_no_customer_column_to_roles_that_may_not_see_customers(role, role_user, client):
    export_rows()
    signed_in(client, role_user(role))
    html = client.get(reverse("exports:dialog"), headers=HTMX).content.decode()
    assert 'value="voucher_code"' in html
    for column in ("customer_id", "customer_source_id", "customer_name", "tracking_id"):
        assert f'value="{column}"' not in html, column


def test_the_dialog_offers_an_admin_the_customer_columns(role_user, client):
    export_rows()
    signed_in(client, role_user("Admin"))
    html = client.get(reverse("exports:dialog"), headers=HTMX).content.decode()
    for column in ("customer_id", "customer_source_id", "customer_name"):
        assert f'value="{column}"' in html, column


def test_a_crafted_post_for_a_customer_id_is_refused_with_a_form_error_and_saves_nothing(role_user, client):
    export_rows()
    signed_in(client, role_user("Staff"))
    crafted = {"exported_object": "redemption", "fields": ["id", "customer_id"]}
    refused = client.post(reverse("exports:create"), crafted, headers=HTMX)
    assert refused.status_code == 200 and 'id="export-form"' in refused.content.decode()
    assert "The column customer_id is not one you may export." in refused.content.decode()
    assert not Export.objects.exists()


def test_a_dialog_with_a_broken_filter_says_so_and_offers_no_export(role_user, client):
    signed_in(client, role_user("Staff"))
    response = client.get(reverse("exports:dialog"), {"created_from": "garbage"}, headers=HTMX)
    assert response.status_code == 200
    assert "The filters cannot be read" in response.content.decode()
    assert "disabled" in response.content.decode()


def test_requesting_shows_progress_at_once_and_the_export_is_built(done_export):
    staff, export, rows, response = done_export
    html = response.content.decode()
    assert 'data-testid="export-progress"' in html and export.pk in html
    assert export.status == ExportStatus.DONE and export.user == staff and export.channel == "WEBSITE"
    assert export.parameters["filters"] == {"campaign": rows["formula"].campaign_id, "status": "SUCCEEDED"}


def test_the_progress_panel_polls_while_running_and_stops_when_done(done_export, client):
    staff, export, _, _ = done_export
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.IN_PROGRESS, progress=40, file="")
    running = client.get(reverse("exports:status", args=[export.pk]), headers=HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in running and 'aria-valuenow="40"' in running
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.ERROR, error="Disk full")
    failed = client.get(reverse("exports:status", args=[export.pk]), headers=HTMX).content.decode()
    assert "hx-trigger" not in failed and "Disk full" in failed


def test_a_refused_request_shows_the_error_and_saves_nothing(role_user, client):
    signed_in(client, role_user("Staff"))
    bad = {"exported_object": "redemption", "fields": ["id", "customer_name"]}
    swapped = client.post(reverse("exports:create"), bad, headers=HTMX)
    assert swapped.status_code == 200
    assert "The column customer_name is not one you may export." in swapped.content.decode()
    plain = client.post(reverse("exports:create"), {"exported_object": "redemption", "status": "NOPE"})
    assert plain.status_code == 400 and "The filters cannot be read" in plain.content.decode()
    assert not Export.objects.exists()


def test_the_owner_downloads_the_csv_with_the_token(done_export, client):
    _, export, rows, _ = done_export
    response = client.get(download_url(export))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    table = read_csv(b"".join(response.streaming_content))
    assert table == [
        ["id", "voucher_code", "metadata.note"],
        [rows["formula"].pk, "SUMMER-1", "'" + FORMULA],
        [rows["plain"].pk, "SUMMER-2", "fine"],
    ]


def test_another_user_gets_403_even_with_the_token_and_a_superuser_may_download(done_export, role_user, client):
    _, export, _, _ = done_export
    signed_in(client, role_user("Staff", username="other-staff"))
    assert client.get(download_url(export)).status_code == 403
    signed_in(client, role_user("Admin"))
    assert client.get(download_url(export)).status_code == 403
    signed_in(client, role_user(None, superuser=True))
    assert client.get(download_url(export)).status_code == 200


def test_the_owner_needs_the_right_token(done_export, client):
    _, export, _, _ = done_export
    assert client.get(download_url(export, token="guess")).status_code == 403
    assert client.get(reverse("exports:download", args=[export.pk])).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(done_export, client):
    _, export, _, _ = done_export
    client.logout()
    response = client.get(download_url(export))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_bell_counts_unread_notifications_and_opening_one_marks_it_read_and_downloads(done_export, client):
    staff, export, _, _ = done_export
    bell = client.get(reverse("exports:bell"), headers=HTMX).content.decode()
    assert 'data-testid="unread-count"' in bell and ">1<" in bell
    listing = client.get(reverse("exports:notifications"), headers=HTMX).content.decode()
    notification = Notification.objects.get(user=staff)
    assert "Redemptions export ready: 2 rows" in listing
    assert notification.message == "Redemptions export ready: 2 rows"  # the bell, the page and the record agree
    assert "Requested <time" in listing and "Ready <time" in listing  # every time says what it is
    assert 'data-testid="notification-download"' in listing

    opened = client.post(reverse("exports:open_notification", args=[notification.pk]))

    assert opened.status_code == 302 and opened["Location"] == download_url(export)
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "d-none" in client.get(reverse("exports:bell")).content.decode()


def test_a_ready_export_offers_no_download_to_whom_the_download_would_refuse(done_export, client):
    staff, export, _, _ = done_export
    staff.groups.clear()  # no longer allowed to view exports: the download view would answer 403
    listing = client.get(reverse("exports:notifications")).content.decode()
    assert "Redemptions export ready: 2 rows" in listing
    assert 'data-testid="notification-download"' not in listing
    assert client.get(download_url(export)).status_code == 403


def test_the_sentence_names_the_export_and_counts_its_rows():
    from exports.notices import export_sentence

    def sentence(**fields):
        return export_sentence(Export(**fields))

    assert sentence(status=ExportStatus.DONE, rows=1234) == "Redemptions export ready: 1,234 rows"
    assert sentence(status=ExportStatus.DONE, rows=1) == "Redemptions export ready: 1 row"
    assert sentence(exported_object="voucher_transactions", status=ExportStatus.ERROR) == (
        "Card transactions export failed"
    )
    assert sentence(status=ExportStatus.IN_PROGRESS) == "Redemptions export in progress"


def test_nobody_opens_someone_elses_notification(done_export, role_user, client):
    staff, _, _, _ = done_export
    notification = Notification.objects.get(user=staff)
    signed_in(client, role_user("Staff", username="nosy"))
    assert client.post(reverse("exports:open_notification", args=[notification.pk])).status_code == 404
    assert client.get(reverse("exports:open_notification", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_exports_list_shows_the_users_own_exports_with_their_filters_and_download(done_export, role_user, client):
    staff, export, _, _ = done_export
    page = client.get(reverse("exports:list")).content.decode()
    assert export.pk in page and ">Done<" in page and "status: Succeeded" in page
    assert download_url(export).replace("&", "&amp;") in page or download_url(export) in page

    signed_in(client, role_user("Marketer"))
    assert export.pk not in client.get(reverse("exports:list")).content.decode()
    signed_in(client, role_user(None, superuser=True))
    assert export.pk in client.get(reverse("exports:list")).content.decode()


def test_a_gift_card_transactions_export_can_be_posted_by_a_campaign_page(role_user, client):
    from tests.factories import make_campaign

    campaign = make_campaign(name="Cards", campaign_type="GIFT_VOUCHERS")
    signed_in(client, role_user("Marketer"))
    response = client.post(
        reverse("exports:create"), {"exported_object": "voucher_transactions", "campaign": campaign.pk}, headers=HTMX
    )
    assert response.status_code == 200
    export = Export.objects.get()
    assert export.exported_object == "voucher_transactions"
    assert export.parameters["filters"] == {"campaign": campaign.pk}
    signed_in(client, role_user("Staff"))  # Staff browse only the Redemptions tab
    assert client.post(reverse("exports:create"), {"exported_object": "voucher_transactions"}).status_code == 403
