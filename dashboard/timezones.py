"""The viewer's time zone: their own choice (dashboard.models.UserPreference), else their browser's
(the ``vh_tz`` cookie that static/js/timezone.js writes), else settings.TIME_ZONE.

``TimeZoneMiddleware`` activates it for dashboard requests only: the /v1/ and /management/v1/ APIs keep
their wire format in UTC whatever a cookie says. Date filters (dashboard.filters.day_start), ``when`` and
the campaign charts read the active zone; an export stores the zone it was asked in
(``Export.time_zone``) so that its worker reads the same dates.
"""

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.utils import timezone

from voucherhub.wire import API_PREFIXES

COOKIE = "vh_tz"
BROWSER, CHOSEN, DEFAULT = "browser", "chosen", "default"


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine knows (the tz database that zoneinfo reads)."""
    return frozenset(available_timezones())


def valid_zone(name) -> str | None:
    """``name`` when it is a time zone zoneinfo knows, else None (a bad cookie or form value is ignored)."""
    if not isinstance(name, str):
        return None
    name = name.strip()
    return name if name in known_zones() else None


def chosen_zone(user) -> str:
    """The zone ``user`` chose on the Settings page, or "" to follow the browser."""
    if user is None or not user.is_authenticated:
        return ""
    from .models import UserPreference

    zone = UserPreference.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first()
    return valid_zone(zone) or ""


def viewer_zone(request) -> tuple[str, str]:
    """(the zone name, where it came from: CHOSEN, BROWSER or DEFAULT) for this request."""
    chosen = chosen_zone(getattr(request, "user", None))
    if chosen:
        return chosen, CHOSEN
    browser = valid_zone(request.COOKIES.get(COOKIE))
    if browser:
        return browser, BROWSER
    return settings.TIME_ZONE, DEFAULT


class TimeZoneMiddleware:
    """Activates the viewer's zone while a dashboard request is handled (and its template rendered);
    ``request.time_zone`` names it for the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIXES):
            return self.get_response(request)
        request.time_zone, request.time_zone_source = viewer_zone(request)
        with timezone.override(ZoneInfo(request.time_zone)):
            return self.get_response(request)
