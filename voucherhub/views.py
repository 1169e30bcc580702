"""Layout-level views: health probes and error pages (the home page is insights.views.home)."""

import sys

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views import defaults

from . import health
from .middleware import database_down, unavailable_response


def _health_answer(ok: bool) -> HttpResponse:
    response = HttpResponse("ok" if ok else "unavailable", content_type="text/plain", status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
def healthz(request):
    """The process is alive. Reveals nothing else."""
    return _health_answer(True)


@login_not_required
def readyz(request):
    """200 when this node reaches its database and broker, else 503; says nothing about which or why."""
    return _health_answer(health.ready())


def server_error(request):
    """handler500: a database outage anywhere in the request (a middleware's session or user lookup
    included, which never reaches DatabaseUnavailableMiddleware.process_exception) answers 503."""
    exc = sys.exc_info()[1]
    if database_down(exc):
        return unavailable_response(request, exc)
    return defaults.server_error(request)


@login_not_required
def favicon(request):
    """/favicon.ico, which browsers ask for on their own: the icon in static/ (base.html links it too)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
