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
