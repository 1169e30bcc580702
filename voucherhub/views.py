"""Layout-level views: the home page, health probes, error pages and the placeholder of sections later issues fill."""

import sys

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views import defaults
from django.views.generic import TemplateView

from . import health, queries
from .middleware import database_down, unavailable_response


def home(request):
    """Where a person lands after login: what they can reach, and whether the worker is alive."""
    return render(
        request,
        "home.html",
        {"stats": queries.home_stats(request.user), "heartbeat": queries.worker_heartbeat()},
    )


def _health_answer(ok: bool) -> HttpResponse:
    response = HttpResponse("ok" if ok else "unavailable", content_type="text/plain", status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response


class ComingNextView(PermissionRequiredMixin, TemplateView):
    """A section page that a later issue fills. Says so plainly; nothing on it pretends to work.

    Still permission-checked, so the access matrix holds from day one.
    """

    template_name = "coming_next.html"
    raise_exception = True  # a logged-in user without the permission gets 403, not a login loop
    title = ""
    section = ""
    tabs: list[tuple[str, str, str]] = []  # (label, url name, permission)
    description = ""

    def get_template_names(self):
        # A tab click (hx-get) swaps only the section body; a direct load or a history restore after a
        # cache miss gets the whole page. One template, so the two can never drift.
        htmx = self.request.htmx
        if htmx and not htmx.history_restore_request:
            return [f"{self.template_name}#section_body"]
        return [self.template_name]

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ("HX-Request",))
        return response

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            title=self.title,
            section=self.section,
            description=self.description,
            tabs=[{"label": label, "url_name": url_name} for label, url_name, perm in self.tabs if user.has_perm(perm)],
            **kwargs,
        )


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
