"""Small pieces every list row and detail page shares: an id with its copy button, a row's menu, a long
value cut with an ellipsis. Built with format_html (no template per row: a list renders hundreds).

- ``copy_id(value, href)``: the id whole in the text and the title, shortened by CSS (``.vh-id``) in its
  middle so that its end, which tells ids apart, stays visible ("r_01a2…9c3f"; ``id_text``), with a copy
  button (``copy_button``) that static/js/copy-id.js answers with a visible "Copied".
- ``row_menu(label, items)``: a "⋯" button opening a Bootstrap dropdown of ``menu_link`` / ``menu_button`` /
  ``menu_disabled`` items (arrow keys move, Escape closes: Bootstrap's dropdown). Only the actions the
  viewer may take are passed in; a disabled item carries the reason it is disabled.
- ``truncated(value)``: one line, an ellipsis where space is short, the whole value in the title.

Templates use them through ``{% load dashboard_tags %}``: ``{% copy_id value %}``, ``{% copy_button value %}``.
"""

import json
import re
from collections.abc import Mapping

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .formatting import EMPTY

# Drawn here rather than taken from the icon sprite: two overlapping sheets, and three dots.
COPY_ICON = mark_safe(
    '<svg class="bi" width="1em" height="1em" viewBox="0 0 16 16" aria-hidden="true" focusable="false">'
    '<rect x="5" y="1.5" width="9" height="10" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.4"/>'
    '<path d="M3.5 4.5h-.5A1.5 1.5 0 0 0 1.5 6v7A1.5 1.5 0 0 0 3 14.5h6A1.5 1.5 0 0 0 10.5 13v-.5" fill="none" '
    'stroke="currentColor" stroke-width="1.4"/></svg>'
)
DOTS_ICON = mark_safe(
    '<svg class="bi" width="1em" height="1em" viewBox="0 0 16 16" aria-hidden="true" focusable="false">'
    '<circle cx="3" cy="8" r="1.5" fill="currentColor"/><circle cx="8" cy="8" r="1.5" fill="currentColor"/>'
    '<circle cx="13" cy="8" r="1.5" fill="currentColor"/></svg>'
)


def copy_button(value: str, noun: str = "id") -> SafeString:
    """A button that puts ``value`` on the clipboard; "Copied" shows beside it (static/js/copy-id.js)."""
    return format_html(
        '<button type="button" class="vh-copy-btn" data-copy="{}" aria-label="Copy {} {}" title="Copy {}">{}</button>'
        '<span class="vh-copy-feedback" aria-live="polite"></span>',
        value,
        noun,
        value,
        noun,
        COPY_ICON,
    )


ID_TAIL = 4  # the characters of an id always shown after the ellipsis: ids of one call share their start


def id_text(value: str) -> SafeString:
    """An id's text in two parts, its head (which CSS cuts with an ellipsis where space is short) and its
    last characters (always shown): "r_01a2…9c3f". The text is the whole id, so it reads, selects and
    copies whole."""
    value = str(value)
    if len(value) <= ID_TAIL * 2:
        return format_html("{}", value)
    return format_html(
        '<span class="vh-id-head">{}</span><span class="vh-id-tail">{}</span>', value[:-ID_TAIL], value[-ID_TAIL:]
    )


def copy_id(value: str, href: str = "", noun: str = "id") -> SafeString:
    """The id, a link when ``href``, whole in its text and title (CSS shortens its middle), and its copy button."""
    if not value:
        return mark_safe(EMPTY)
    if href:
        shown = format_html(
            '<a class="vh-id" href="{}" title="{}" aria-label="{}">{}</a>', href, value, value, id_text(value)
        )
    else:
        shown = format_html('<span class="vh-id" title="{}">{}</span>', value, id_text(value))
    return format_html('<span class="vh-copy-id">{}{}</span>', shown, copy_button(value, noun))


ID_IN_TEXT = re.compile(r"\b[a-z]+[_-][0-9a-f]{22}\b")  # voucherhub.ids: prefix + 22 hex digits


def copyable_ids(text: str, names: Mapping[str, str] | None = None) -> SafeString:
    """Plain ``text`` (escaped unless it is safe already) with every id in it shown as :func:`copy_id` does;
    an id in ``names`` (id -> name) shows its name instead, the id in its title and on its copy button."""
    shown = str(conditional_escape(text))
    return mark_safe(ID_IN_TEXT.sub(lambda match: _copyable(match.group(), names or {}), shown))


def _copyable(value: str, names: Mapping[str, str]) -> SafeString:
    if not names.get(value):
        return copy_id(value)
    return format_html(
        '<span class="vh-copy-id"><span class="vh-name" title="{}">{}</span>{}</span>',
        value,
        names[value],
        copy_button(value, "tier id"),
    )


def truncated(value, css_class: str = "") -> SafeString:
    """A long value (an e-mail, a name, a code) on one line, cut with an ellipsis, whole in the title."""
    if value in (None, ""):
        return mark_safe(EMPTY)
    return format_html(
        '<span class="vh-truncate{}" title="{}">{}</span>', f" {css_class}" if css_class else "", value, value
    )


def menu_link(text: str, href: str) -> SafeString:
    return format_html('<li role="none"><a class="dropdown-item" role="menuitem" href="{}">{}</a></li>', href, text)


def menu_copy(value: str, noun: str = "id") -> SafeString:
    """The menu's Copy item: the row's copy button (its feedback) says "Copied" once the menu has closed."""
    return format_html(
        '<li role="none"><button type="button" class="dropdown-item" role="menuitem" data-copy="{}">'
        "Copy {}</button></li>",
        value,
        noun,
    )


def menu_button(text: str, attrs: dict[str, str], danger: bool = False) -> SafeString:
    """A menu item that acts (htmx attributes, aria-controls, ...): ``attrs`` are escaped here."""
    return format_html(
        '<li role="none"><button type="button" class="dropdown-item{}" role="menuitem" {}>{}</button></li>',
        " text-danger" if danger else "",
        format_html_join(" ", '{}="{}"', attrs.items()),
        text,
    )


def menu_disabled(text: str, reason: str, item_id: str) -> SafeString:
    """An action this row cannot take, greyed out, with the reason under it (and as its description)."""
    return format_html(
        '<li role="none"><button type="button" class="dropdown-item" role="menuitem" disabled '
        'aria-describedby="{}">{}</button><p class="vh-menu-reason" id="{}">{}</p></li>',
        item_id,
        text,
        item_id,
        reason,
    )


def row_menu(label: str, items: list[SafeString]) -> SafeString:
    """The row's "⋯" button and its menu. ``label`` names the row ("r_01…"): "Actions for r_01…".
    The menu is positioned "fixed" so a scrolling table container never clips it."""
    return format_html(
        '<div class="dropdown vh-row-menu">'
        '<button type="button" class="btn btn-sm vh-row-menu-toggle" data-bs-toggle="dropdown" '
        'data-bs-popper-config=\'{{"strategy": "fixed"}}\' aria-expanded="false" aria-haspopup="menu" '
        'aria-label="Actions for {}" title="Actions">{}</button>'
        '<ul class="dropdown-menu dropdown-menu-end shadow-sm" role="menu" aria-label="Actions for {}">{}</ul></div>',
        label,
        DOTS_ICON,
        label,
        mark_safe("".join(items)),
    )


def metadata_rows(metadata) -> list[tuple[str, object]]:
    """A metadata document as the Metadata tables show it (templates/dashboard/_metadata_table.html): one
    (key, value) row a key, sorted; a nested object or list as indented JSON, a plain value as it is."""
    if not isinstance(metadata, dict):
        return []
    return [
        (key, json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str))
        if isinstance(value, dict | list)
        else (key, value)
        for key, value in sorted(metadata.items())
    ]
