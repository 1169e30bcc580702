"""Settings > Webhooks (/settings/webhooks/): the endpoints, each one's page with its delivery log, and the
actions (Admins): add, change, turn off, rotate the secret, delete, send a test event, replay a delivery.

Listing needs ``outbound.view_webhook``; adding ``add_webhook``; changing, rotating, testing and replaying
``change_webhook``; deleting ``delete_webhook`` (the Admin role). A secret is in the answer to the POST that
created or rotated it and nowhere else (the answer is not cached).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from auditlog.models import Event
from dashboard.forms import refused_status
from dashboard.lists import DashboardListView
from dashboard.tabs import visible_tabs
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from . import queries
from .filters import DeliveryFilter
from .forms import WebhookForm
from .services import webhooks as services
from .services.delivery import payload
from .tables import DeliveryTable

LIST_TEMPLATE = "outbound/list.html"


def _list_page(request, *, form=None, created=None, status=200):
    user = request.user
    context = {
        "section": "Settings",
        "title": "Webhooks",
        "tabs": visible_tabs("Settings", user),
        "webhooks": queries.webhooks(),
        "form": form if form is not None else (WebhookForm() if user.has_perm("outbound.add_webhook") else None),
        "created": created,
    }
    htmx = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{LIST_TEMPLATE}#section_body" if htmx else LIST_TEMPLATE, context, status=status)
    add_never_cache_headers(response)  # the answer that holds a new secret is kept by no cache
    return response


@require_http_methods(["GET", "POST"])
@permission_required("outbound.view_webhook", raise_exception=True)
def webhook_list(request):
    """GET: the endpoints. POST: add one and show its signing secret, this once."""
    if request.method == "GET":
        return _list_page(request)
    if not request.user.has_perm("outbound.add_webhook"):
        raise PermissionDenied
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form=form, status=refused_status(request))
    webhook = services.create_webhook(form.to_request(), caller=Caller.for_user(request.user))
    return _list_page(request, created=webhook)


class WebhookDetailView(DashboardListView):
    """An endpoint: its settings and actions above its delivery log (filterable, newest first)."""

    section = "Settings"
    permission_required = "outbound.view_webhook"
    title = "Webhooks"
    table_target = "delivery-table"
    filterset_class = DeliveryFilter
    table_class = DeliveryTable
    noun = "deliveries"
    noun_singular = "delivery"
    filter_label = "Filter deliveries"
    list_actions = ("outbound/_endpoint.html",)
    empty_text = "No deliveries yet — events this endpoint wants are sent as they happen. Try Send test event."
    empty_icon = "megaphone"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.webhook = queries.webhook(kwargs["webhook_id"])
        except DomainError as missing:
            raise Http404(missing.details) from missing
        self.secret, self.edit_form = "", None
        return super().dispatch(request, *args, **kwargs)

    def heading(self) -> str:
        return self.section  # Settings is reached from the user menu, not the top bar

    def get_queryset(self):
        return queries.deliveries(self.webhook)

    def get_table_kwargs(self):
        user = self.request.user
        return {**super().get_table_kwargs(), "can_replay": user.has_perm("outbound.change_webhook"),
                "csrf_token": get_token(self.request)}  # fmt: skip

    def post(self, request, *args, **kwargs):
        """Change the endpoint (``action``: update, rotate, test, delete)."""
        action = request.POST.get("action", "")
        needed = "outbound.delete_webhook" if action == "delete" else "outbound.change_webhook"
        if action not in ("update", "rotate", "test", "delete") or not request.user.has_perm(needed):
            raise PermissionDenied
        caller = Caller.for_user(request.user)
        if action == "delete":
            services.delete_webhook(self.webhook.pk, caller=caller)
            messages.success(request, f"Webhook {self.webhook.target_url} deleted: it receives nothing from now on.")
            return redirect("outbound:list")
        if action == "test":
            services.send_test_event(self.webhook.pk, caller=caller)
            messages.success(request, "Test event queued: it appears in the log below with the endpoint's answer.")
            return redirect("outbound:detail", self.webhook.pk)
        if action == "rotate":
            self.webhook = services.rotate_secret(self.webhook.pk, caller=caller)
            self.secret = self.webhook.secret
            return self._page(request)
        self.edit_form = WebhookForm(request.POST)
        if not self.edit_form.is_valid():
            return self._page(request, status=refused_status(request))
        self.webhook = services.update_webhook(self.webhook.pk, self.edit_form.to_request(), caller=caller)
        messages.success(request, "Webhook saved.")
        return redirect("outbound:detail", self.webhook.pk)

    def _page(self, request, status: int = 200):
        response = self.get(request)
        response.status_code = status
        add_never_cache_headers(response)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, webhook = self.request.user, self.webhook
        initial = {"target_url": webhook.target_url, "events": webhook.events, "active": webhook.active}
        context.update(
            active_tab="outbound:list",
            webhook=webhook,
            secret=self.secret,
            edit_form=self.edit_form
            or (WebhookForm(initial=initial) if user.has_perm("outbound.change_webhook") else None),
            can_change=user.has_perm("outbound.change_webhook"),
            can_delete=user.has_perm("outbound.delete_webhook"),
        )
        return context


@require_POST
@permission_required("outbound.change_webhook", raise_exception=True)
def delivery_replay(request, webhook_id: str, delivery_id: int):
    try:
        delivery = queries.delivery(queries.webhook(webhook_id), delivery_id)
        services.replay(delivery.pk, caller=Caller.for_user(request.user))
    except DomainError as refusal:
        if refusal.key == "not_found":
            raise Http404(refusal.details) from refusal
        messages.error(request, refusal.details)
    else:
        messages.success(request, f"Delivery of {delivery.event_type} queued again, with the same event id.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)  # the page the button was on (the log, filtered; or the delivery's page)
    return redirect("outbound:detail", webhook_id)


@permission_required("outbound.view_webhook", raise_exception=True)
def delivery_detail(request, webhook_id: str, delivery_id: int):
    """One delivery: what was sent (the JSON body) and every attempt with its answer."""
    try:
        webhook = queries.webhook(webhook_id)
        delivery = queries.delivery(webhook, delivery_id)
    except DomainError as missing:
        raise Http404(missing.details) from missing
    event = Event.objects.filter(pk=delivery.event_id).first()
    context = {
        "section": "Settings",
        "title": "Webhooks",
        "tabs": visible_tabs("Settings", request.user),
        "active_tab": "outbound:list",
        "webhook": webhook,
        "delivery": delivery,
        "body": json.dumps(payload(delivery, event), indent=2, cls=DjangoJSONEncoder) if event is not None else "",
        "attempts": delivery.attempt_rows.all(),
        "can_replay": request.user.has_perm("outbound.change_webhook"),
    }
    return render(request, "outbound/delivery.html", context)
