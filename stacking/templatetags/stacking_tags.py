"""``{{ key|reason }}``: a reason key as its sentence (stacking.reasons), the key kept for support."""

from django import template
from django.utils.html import format_html

from stacking.reasons import sentence

register = template.Library()


@register.filter
def reason(key) -> str:
    """The sentence, with the key in ``data-reason`` and its tooltip."""
    if not key:
        return ""
    return format_html('<span class="vh-reason" data-reason="{}" title="{}">{}</span>', key, key, sentence(key))


@register.filter
def reason_text(key) -> str:
    """The sentence alone (plain text, e.g. inside a sentence of its own)."""
    return sentence(key) if key else ""
