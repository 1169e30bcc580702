from django import template

from exports.notices import export_sentence
from exports.queries import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in user's unread notifications, for the bell in the top bar."""
    user = context["request"].user
    return unread_count(user) if user.is_authenticated else 0


register.filter("export_sentence", export_sentence)
