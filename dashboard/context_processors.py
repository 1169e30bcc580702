from functools import cache

from django.urls import reverse

from .tabs import SECTIONS, visible_tabs


def layout(request):
    """The top bar: the sections this user may open (the current one marked active), their roles and the
    time zone the page shows times in.

    A section none of whose tabs the user may open is not shown at all; its views answer 403 all the same.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "user_roles": [], "viewer_time_zone": ""}
    path = request.path
    sections = []
    for label, url_name, permission in SECTIONS:
        if not user.has_perm(permission):
            # A section whose own page they cannot open offers the tabs they can, by the tab's name
            # (Staff: the Audit log's Exports tab, as "Exports").
            tabs = visible_tabs(label, user)
            if not tabs:
                continue
            label, url_name = tabs[0]["label"], tabs[0]["url_name"]
        url = reverse(url_name)
        sections.append({"label": label, "url": url, "active": path.startswith(url)})

    @cache
    def user_roles() -> list[str]:
        # Called by the template only when the user menu renders: one small query per request.
        return list(user.groups.order_by("name").values_list("name", flat=True))

    # The zone the page's times are in (dashboard.timezones.TimeZoneMiddleware), named on the page.
    zone = getattr(request, "time_zone", "")
    return {"nav_sections": sections, "user_roles": user_roles, "viewer_time_zone": zone}
