"""The Settings page: every signed-in user, whatever their role, chooses their own time zone."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .forms import TimeZoneForm
from .models import UserPreference
from .tabs import visible_tabs
from .timezones import chosen_zone, known_zones


@require_http_methods(["GET", "POST"])
def preferences(request):
    """GET shows the form; POST (with CSRF, as every POST) saves the zone, or shows why it cannot."""
    if request.method == "POST":
        form = TimeZoneForm(request.POST)
        if form.is_valid():
            zone = form.cleaned_data["time_zone"]
            UserPreference.objects.update_or_create(user=request.user, defaults={"time_zone": zone})
            messages.success(
                request, f"Times are now shown in {zone}." if zone else "Times now follow your browser's time zone."
            )
            return redirect("dashboard:settings")
        status = 400
    else:
        form = TimeZoneForm(initial={"time_zone": chosen_zone(request.user)})
        status = 200
    context = {
        "form": form,
        "zones": sorted(known_zones()),
        "page_title": "Settings",
        "section": "Settings",
        "tabs": visible_tabs("Settings", request.user),
    }
    swap = request.htmx and request.method == "GET" and not request.htmx.history_restore_request
    template = "dashboard/settings.html#section_body" if swap else "dashboard/settings.html"
    return render(request, template, context, status=status)
