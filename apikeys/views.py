"""Settings > API keys (/settings/api-keys/): the keys, a form for a new one, and Revoke.

Listing needs ``voucherhub.view_apikey``, creating ``add_apikey``, revoking ``change_apikey`` (the Admin
role; README, "Roles"). A new key's token is in the answer to the POST that created it and nowhere else:
it is not stored (only its hash), not put in the session or a message, and the answer is not cached, so
a reload of the list never shows it again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.forms import refused_status
from dashboard.tabs import visible_tabs
from voucherhub.api.auth import forget_key
from voucherhub.caller import Caller
from voucherhub.errors import DomainError
from voucherhub.models import ApiKey

from .forms import ApiKeyForm
from .services import create_key, revoke_key

TEMPLATE = "apikeys/list.html"


def _page(request, *, form=None, created=None, token="", error="", status=200):
    user = request.user
    can_add = user.has_perm("voucherhub.add_apikey")
    context = {
        "section": "Settings",
        "title": "API keys",
        "tabs": visible_tabs("Settings", user),
        "keys": ApiKey.objects.select_related("created_by").order_by(  # active keys first, newest first
            F("revoked_at").asc(nulls_first=True), "-created_at"
        ),
        "form": form if form is not None else (ApiKeyForm() if can_add else None),
        "can_revoke": user.has_perm("voucherhub.change_apikey"),
        "created": created,
        "token": token,
        "error": error,
    }
    template = f"{TEMPLATE}#section_body" if request.htmx and not request.htmx.history_restore_request else TEMPLATE
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)  # the answer that holds a new token is kept by no cache
    return response


@require_http_methods(["GET", "POST"])
@permission_required("voucherhub.view_apikey", raise_exception=True)
def key_list(request):
    """GET: the keys. POST: create one and show its token, this once."""
    if request.method == "GET":
        return _page(request)
    if not request.user.has_perm("voucherhub.add_apikey"):
        raise PermissionDenied
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=refused_status(request))
    key, token = create_key(
        name=form.cleaned_data["name"],
        user=request.user,
        caller=Caller.for_user(request.user),
        can_manage=form.cleaned_data["can_manage"],
    )
    return _page(request, created=key, token=token)


@require_POST
@permission_required("voucherhub.change_apikey", raise_exception=True)
def key_revoke(request, key_id: str):
    try:
        key = revoke_key(key_id=key_id, caller=Caller.for_user(request.user))
    except DomainError as refusal:
        if refusal.key == "not_found":
            raise Http404(refusal.details) from refusal
        return _page(request, error=refusal.details, status=refused_status(request))
    forget_key(key.app_id)  # this process refuses it at once; the others within seconds
    messages.success(request, f"API key {key.name} revoked: calls made with it are refused from now on.")
    return redirect("apikeys:list")
