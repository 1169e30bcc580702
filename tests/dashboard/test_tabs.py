"""Section tabs come from one list (dashboard.tabs): every page of a section shows the same tabs, those its
viewer may open, in the list's order, whichever app serves the page."""

import re

import pytest
from django.urls import reverse

from dashboard.tabs import SECTION_TABS, SECTIONS, visible_tabs

pytestmark = pytest.mark.django_db


def tab_labels(html: str, section: str) -> list[str]:
    nav = re.search(rf'<nav aria-label="{section} tabs">(.*?)</nav>', html, re.S)
    assert nav, f"no {section} tabs"
    return [label.strip() for label in re.findall(r">([^<>]+)</a>", nav.group(1))]


@pytest.mark.parametrize("role", ["Staff", "Marketer", "Admin", "superuser"])
def test_every_tab_of_a_section_shows_the_tabs_of_that_section_that_the_viewer_may_open(client, role_user, role):
    user = role_user(None, superuser=True) if role == "superuser" else role_user(role)
    client.force_login(user)
    opened = 0
    for section, tabs in SECTION_TABS.items():
        expected = [tab["label"] for tab in visible_tabs(section, user)]
        for _, url_name, permission in tabs:
            if permission and not user.has_perm(permission):
                assert client.get(reverse(url_name)).status_code == 403
                continue
            html = client.get(reverse(url_name)).content.decode()
            assert tab_labels(html, section) == expected, (role, url_name)
            opened += 1
    assert opened >= 1


def test_the_superuser_sees_every_tab_of_every_section_and_every_section_in_the_top_bar(client, role_user):
    client.force_login(role_user(None, superuser=True))
    html = client.get(reverse("redemptions:list")).content.decode()
    top_bar = re.search(r'<ul class="vh-sections" id="vh-sections">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r">([^<>]+)</a>", top_bar) == [label for label, _, _ in SECTIONS]
    for section, tabs in SECTION_TABS.items():
        html = client.get(reverse(tabs[0][1])).content.decode()
        assert tab_labels(html, section) == [label for label, _, _ in tabs]


def test_a_page_of_a_section_the_viewer_cannot_open_is_named_by_its_own_title(client, role_user):
    client.force_login(role_user("Staff"))  # Staff may open Exports, not the Audit log it sits in
    html = client.get(reverse("exports:list")).content.decode()
    assert "<h1>Exports</h1>" in html and "<title>Exports · VoucherHub</title>" in html
    assert "Audit log" not in re.sub(r'aria-label="[^"]*"', "", html)
    client.force_login(role_user("Marketer"))
    html = client.get(reverse("exports:list")).content.decode()
    assert "<h1>Audit log</h1>" in html and "<title>Exports · Audit log · VoucherHub</title>" in html
