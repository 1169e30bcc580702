"""What every dashboard page shares beyond lists: a detail page is a page of its own however htmx asks
for it (issue 14)."""

import pytest

from tests.redemptions.factories import make_redemption

pytestmark = pytest.mark.django_db


def test_a_detail_page_asked_for_by_htmx_replaces_the_whole_body_and_pushes_its_url(client, role_user):
    redemption = make_redemption()
    client.force_login(role_user("Admin"))
    url = f"/redemptions/{redemption.pk}/"
    response = client.get(url, headers={"HX-Request": "true", "HX-Target": "redemptions-table"})
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Push-Url"]) == ("body", url)
    assert response["HX-Reswap"].startswith("innerHTML")
    assert "HX-Request" in response["Vary"]
    plain = client.get(url)
    assert "HX-Retarget" not in plain
    restore = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "HX-Retarget" not in restore


@pytest.mark.parametrize("name", ["validations", "sessions", "logs", "events", "campaigns", "redemptions"])
def test_no_list_boosts_its_rows_links_only_the_sort_and_page_links(client, role_user, name):
    make_redemption()
    client.force_login(role_user(None, superuser=True))
    path = {
        "validations": "/redemptions/validations/",
        "sessions": "/redemptions/sessions/",
        "logs": "/audit-log/",
        "events": "/audit-log/events/",
        "campaigns": "/campaigns/",
        "redemptions": "/redemptions/",
    }[name]
    html = client.get(path).content.decode()
    assert html.count('hx-boost="true"') == html.count('<thead hx-boost="true"') + html.count(
        'aria-label="Table navigation" class="border-top py-2" hx-boost="true"'
    )


@pytest.mark.parametrize(
    ("path", "shown", "raw"),
    [
        ("/audit-log/?created_from=nonsense", "Date from: Enter a valid date.", "created_from:"),
        ("/audit-log/events/?created_to=2026-13-40", "Date to: Enter a valid date.", "created_to:"),
        ("/campaigns/?status=nonsense", "Status: Select a valid choice.", "status:"),
        ("/redemptions/?created_from=nonsense", "Date range from: Enter a valid date.", "created_from"),
        ("/redemptions/validations/?date_from=nonsense", "Date from: Enter a valid date.", "date_from"),
    ],
)
def test_every_lists_filter_errors_name_the_fields_by_their_labels(client, role_user, path, shown, raw):
    client.force_login(role_user(None, superuser=True))
    html = client.get(path).content.decode()
    assert "Some filters could not be read" in html
    assert shown in html
    assert raw not in html.split('data-testid="filter-errors"')[1].split("</div>")[0]
    assert "is-invalid" in html


def test_a_metadata_value_without_its_key_is_an_error_not_an_unfiltered_list(client, role_user):
    make_redemption()
    client.force_login(role_user("Admin"))
    html = client.get("/redemptions/", {"metadata_value": "web"}).content.decode()
    assert "Metadata key: A metadata value needs its key" in html
    assert "0 redemptions" in html
    assert "1 redemption<" not in html


@pytest.mark.parametrize(
    ("count", "more", "expected"),
    [(0, False, "campaigns"), (1, False, "campaign"), (2, False, "campaigns"), (10_000, True, "campaigns")],
)
def test_counts_say_one_campaign_and_two_campaigns(count, more, expected):
    from dashboard.lists import counted_noun

    assert counted_noun(count, more, "campaigns") == expected
    assert counted_noun(1, False, "balance changes") == "balance change"


def test_a_get_on_a_post_only_action_renders_the_405_page_with_allow_kept(client, role_user):
    client.force_login(role_user("Admin"))
    response = client.get("/redemptions/sessions/ssn_none/release/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "This address is an action, not a page" in response.content.decode()
    assert 'href="/redemptions/sessions/ssn_none/"' in response.content.decode()  # back to the button's page
    assert "not GET" not in response.content.decode()
    api = client.get("/v1/redemptions/r_x/rollback")  # the API keeps its own answers
    assert "This address is an action" not in api.content.decode()


def test_the_favicon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
