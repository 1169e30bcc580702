"""Each Redemptions row's menu (Open, Copy id, Roll back…), ids with their copy button, long values cut
with an ellipsis, and a stacked redemption: the parent's count, a child's reason, the server's refusal."""

import re

import pytest

from redemptions.models import Redemption, RedemptionStatus
from tests.factories import make_customer
from tests.redemptions.factories import make_redemption, make_user, redeemed, stacked_redeemed

pytestmark = pytest.mark.django_db

ROW = {"HX-Request": "true"}


def _row(html: str, pk: str) -> str:
    return re.search(rf'<tr id="row-{pk}".*?</tr>', html, re.S).group(0)


def _menu(row: str) -> str:
    return re.search(r'<ul class="dropdown-menu[^"]*" role="menu".*?</ul>', row, re.S).group(0)


def _items(menu: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r'role="menuitem"[^>]*>(.*?)</', menu, re.S)]


@pytest.mark.parametrize(
    "role, items",
    [
        ("Staff", ["Open", "Copy id"]),
        ("Marketer", ["Open", "Copy id"]),
        ("Admin", ["Open", "Copy id", "Roll back…"]),
    ],
)
def test_each_role_gets_a_row_menu_with_only_the_actions_it_may_take(client, role_user, role, items):
    redemption = make_redemption(voucher_code="MENU-1")
    client.force_login(make_user(role_user, role))
    row = _row(client.get("/redemptions/").content.decode(), redemption.pk)
    assert f'aria-label="Actions for {redemption.pk}"' in row and 'data-bs-toggle="dropdown"' in row
    menu = _menu(row)
    assert _items(menu) == items
    assert f'href="/redemptions/{redemption.pk}/"' in menu and f'data-copy="{redemption.pk}"' in menu
    assert ("/rollback/" in row) is (role == "Admin")


def test_a_failed_row_offers_no_rollback_even_to_an_admin(client, role_user):
    failed = make_redemption(failed=True, voucher_code="NOPE-1")
    client.force_login(role_user("Admin"))
    menu = _menu(_row(client.get("/redemptions/").content.decode(), failed.pk))
    assert _items(menu) == ["Open", "Copy id"]


def test_an_id_is_whole_in_its_text_and_title_with_a_copy_button_on_the_row_and_the_detail(client, role_user):
    redemption = make_redemption(voucher_code="COPY-1")
    client.force_login(make_user(role_user, "Marketer"))
    row = _row(client.get("/redemptions/").content.decode(), redemption.pk)
    pk = redemption.pk
    assert f'title="{pk}" aria-label="{pk}"><span class="vh-id-head">{pk[:-4]}</span>' in row
    assert f'<span class="vh-id-tail">{pk[-4:]}</span></a>' in row
    assert f'data-copy="{redemption.pk}" aria-label="Copy id {redemption.pk}"' in row
    detail = client.get(f"/redemptions/{redemption.pk}/").content.decode()
    assert f'data-copy="{redemption.pk}" aria-label="Copy id {redemption.pk}"' in detail
    assert "js/copy-id.js" in detail and "css/row-menu.css" in detail


def test_an_email_is_cut_with_an_ellipsis_and_whole_in_its_title_not_broken(client, role_user):
    email = "maximiliane.oberhollenzer204@example.com"
    shopper = make_customer(name="Maximiliane Oberhollenzer", email=email)
    redemption = make_redemption(voucher_code="LONG-1", customer=shopper)
    client.force_login(role_user("Admin"))
    row = _row(client.get("/redemptions/").content.decode(), redemption.pk)
    assert f'<span class="vh-truncate" title="{email}">{email}</span>' in row


def test_a_stacked_parent_shows_how_many_redemptions_it_holds(client, role_user):
    parent, children = stacked_redeemed("STACK-A", "STACK-B", "STACK-C")
    client.force_login(make_user(role_user, "Marketer"))
    html = client.get("/redemptions/").content.decode()
    assert 'data-testid="stacked">Stacked · 3</span>' in _row(html, parent.pk)
    assert len(children) == 3 and "Stacked ·" not in _row(html, children[0].pk)
    detail = client.get(f"/redemptions/{parent.pk}/").content.decode()
    assert "Stacked · 3" in detail


def test_a_stacked_childs_menu_says_why_it_cannot_be_rolled_back_alone(client, role_user):
    parent, children = stacked_redeemed("KID-A", "KID-B")
    reason = f"Part of the stacked redemption {parent.pk}; roll back the parent."
    client.force_login(role_user("Admin"))
    html = client.get("/redemptions/").content.decode()
    menu = _menu(_row(html, children[0].pk))
    assert re.search(r'<button[^>]*role="menuitem" disabled[^>]*>Roll back…</button>', menu)
    assert reason in menu and f"/redemptions/{children[0].pk}/rollback/" not in menu
    # The parent is rolled back as a whole, from its own menu.
    assert f'hx-get="/redemptions/{parent.pk}/rollback/"' in _menu(_row(html, parent.pk))
    assert reason in client.get(f"/redemptions/{children[0].pk}/").content.decode()
    # A role without the permission is not told about an action it may not take.
    client.force_login(make_user(role_user, "Marketer"))
    marketer = client.get("/redemptions/").content.decode()
    assert "Roll back" not in marketer and "roll back the parent" not in marketer


def test_a_stacked_childs_rollback_posted_anyway_is_refused_with_the_same_sentence(client, role_user):
    parent, children = stacked_redeemed("POST-A", "POST-B")
    child = children[0]
    reason = f"Part of the stacked redemption {parent.pk}; roll back the parent."
    client.force_login(role_user("Admin"))
    url = f"/redemptions/{child.pk}/rollback/"

    row = client.post(url, {"reason": "just this one"}, headers={**ROW, "HX-Target": f"row-{child.pk}"})
    assert row.status_code == 200
    assert f"Rollback refused — {reason}" in row.content.decode()
    page = client.post(url, {"reason": "just this one"})
    assert page.status_code == 400 and f"Rollback refused — {reason}" in page.content.decode()
    form = client.get(url, headers=ROW).content.decode()
    assert reason in form and "<form" not in form
    assert Redemption.objects.get(pk=child.pk).status == RedemptionStatus.SUCCEEDED
    assert Redemption.objects.get(pk=parent.pk).status == RedemptionStatus.SUCCEEDED


def test_the_menus_rollback_still_posts_with_csrf_and_rolls_back(client, role_user):
    from django.test import Client

    redemption = redeemed("MENU-ROLL")
    admin = role_user("Admin")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    headers = {**ROW, "HX-Target": f"row-{redemption.pk}"}
    assert strict.post(f"/redemptions/{redemption.pk}/rollback/", {"reason": "x"}, headers=headers).status_code == 403
    form = strict.get(f"/redemptions/{redemption.pk}/rollback/", headers=ROW).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    answer = strict.post(
        f"/redemptions/{redemption.pk}/rollback/", {"reason": "x", "csrfmiddlewaretoken": token}, headers=headers
    )
    assert "Rolled back." in answer.content.decode()
    assert Redemption.objects.get(pk=redemption.pk).status == RedemptionStatus.ROLLED_BACK


@pytest.mark.parametrize(
    "role, items", [("Marketer", ["Open", "Copy key"]), ("Admin", ["Open", "Copy key", "Release"])]
)
def test_a_session_row_menu_offers_release_only_to_admins_and_its_page_copies_the_key(client, role_user, role, items):
    from tests.factories import make_voucher
    from tests.redemptions.test_dashboard_validations_sessions import locked_session

    make_voucher(code="MENU-LOCK")
    session = locked_session("ssn_menu", "MENU-LOCK")
    client.force_login(make_user(role_user, role))
    html = client.get("/redemptions/sessions/").content.decode()
    row = re.search(r'<tr id="session-ssn_menu".*?</tr>', html, re.S).group(0)
    assert _items(_menu(row)) == items
    assert ('hx-post="/redemptions/sessions/ssn_menu/release/"' in row) is (role == "Admin")
    detail = client.get(f"/redemptions/sessions/{session.key}/").content.decode()
    assert 'data-copy="ssn_menu" aria-label="Copy key ssn_menu"' in detail
