"""The Export dialog, an export's progress, downloads, the notifications center, and the
Audit log's Exports tab."""

import secrets

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from dashboard.lists import DashboardListView
from voucherhub.caller import Caller

from . import queries, services
from .filters import ExportFilter
from .forms import ExportForm, list_filters
from .models import Export, ExportStatus, Notification
from .sources import SOURCES, ExportParamsError
from .tables import ExportTable


def _check_source_permission(user, form: ExportForm) -> None:
    if form.source is not None and not user.has_perm(form.source.permission):
        raise PermissionDenied


def _dialog_context(request, form: ExportForm, params, error: str = "") -> dict:
    """What the dialog shows: the columns, the metadata keys present, and the filters in words."""
    filters = form.filters(params)
    preview = Export(
        exported_object=form.source.name if form.source else "",
        channel="WEBSITE",
        user=request.user,
        parameters={"filters": filters},
    )
    described: list[str] = []
    if form.source is not None and not error:
        try:
            described = form.source.describe(preview)
            form.source.rows(preview)
        except ExportParamsError as problem:
            error = problem.message
    hidden = [(name, v) for name, value in filters.items() for v in (value if isinstance(value, list) else [value])]
    selected = form.data.getlist("fields") if form.is_bound else form.initial.get("fields", [])
    return {
        "form": form,
        "hidden_filters": hidden,
        "selected": selected,
        "described_filters": described,
        "error": error,
    }


@require_GET
@permission_required("exports.add_export", raise_exception=True)
def export_dialog(request):
    """The dialog's body for the list's current filters (its query string)."""
    source = SOURCES.get(request.GET.get("exported_object") or "redemption")
    if source is None:
        raise Http404("Nothing to export by that name")
    if not request.user.has_perm(source.permission):
        raise PermissionDenied
    preview = Export(exported_object=source.name, channel="WEBSITE", user=request.user)
    preview.parameters = {"filters": list_filters(source, request.GET)}
    try:
        keys = queries.metadata_keys(source, source.rows(preview))
    except ExportParamsError:
        keys = []  # the dialog says what is wrong with the filters (_dialog_context)
    form = ExportForm(user=request.user, source_name=source.name, metadata_keys=keys)
    context = _dialog_context(request, form, request.GET)
    template = "exports/dialog.html#dialog" if request.htmx else "exports/dialog.html"
    return render(request, template, context)


@require_POST
@permission_required("exports.add_export", raise_exception=True)
def export_create(request):
    """Create the export; answer with its progress panel (HTMX) or the Exports list."""
    form = ExportForm(request.POST, user=request.user)
    _check_source_permission(request.user, form)
    error = ""
    if form.is_valid():
        try:
            export = services.request_export(
                exported_object=form.cleaned_data["exported_object"],
                fields=form.cleaned_data["fields"],
                filters=form.filters(request.POST),
                channel="WEBSITE",
                user=request.user,
                caller=Caller.for_user(request.user),
                time_zone=timezone.get_current_timezone_name(),  # the viewer's (dashboard.timezones)
            )
        except ExportParamsError as problem:
            error = problem.message
        else:
            if request.htmx:
                return render(request, "exports/_progress.html", {"export": export})
            return redirect("exports:list")
    context = _dialog_context(request, form, request.POST, error=error)
    # HTMX swaps only 2xx answers: the dialog comes back with its errors; without HTMX a plain 400 page.
    if request.htmx:
        return render(request, "exports/dialog.html#dialog", context)
    return render(request, "exports/dialog.html", context, status=400)


def _own_export(request, export_id: str) -> Export:
    export = get_object_or_404(Export.objects.select_related("user"), pk=export_id)
    if not queries.can_download(request.user, export):
        raise PermissionDenied
    return export


@require_GET
@permission_required("exports.view_export", raise_exception=True)
def export_status(request, export_id: str):
    """The progress panel, polled by HTMX while the export runs."""
    response = render(request, "exports/_progress.html", {"export": _own_export(request, export_id)})
    patch_cache_control(response, no_store=True)
    return response


@require_GET
def export_download(request, export_id: str):
    """The file, to the user who asked (or a superuser) holding the export's token; anyone else 403."""
    export = _own_export(request, export_id)
    if not secrets.compare_digest(request.GET.get("token", ""), export.token):
        raise PermissionDenied
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404("This export has no file (yet)")
    day = timezone.localtime(export.created_at).strftime("%Y-%m-%d")
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"{export.exported_object}-export-{day}-{export.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def download_url(export: Export) -> str:
    return f"{reverse('exports:download', args=[export.pk])}?token={export.token}"


# --- The notifications center --------------------------------------------------------------------------


@require_GET
@login_required
def bell(request):
    """The unread count, polled by the bell in the top bar (one indexed COUNT)."""
    response = render(request, "exports/_bell_count.html", {"unread": queries.unread_count(request.user)})
    patch_cache_control(response, no_store=True)
    return response


@require_GET
@login_required
def notification_list(request):
    """The bell's dropdown: the latest notifications, newest first."""
    response = render(
        request, "exports/_notifications.html", {"notifications": queries.latest_notifications(request.user)}
    )
    patch_cache_control(response, no_store=True)
    return response


@require_POST
@login_required
def notification_open(request, notification_id: str):
    """Mark the notification read, then download its export's file (or show the export when it failed)."""
    notification = get_object_or_404(
        Notification.objects.select_related("export"), pk=notification_id, user=request.user
    )
    services.mark_read(notification)
    export = notification.export
    if export is not None and export.status == ExportStatus.DONE and queries.can_download(request.user, export):
        return redirect(download_url(export))
    if export is None and notification.link.startswith("/") and not notification.link.startswith("//"):
        return redirect(notification.link)
    return redirect("exports:list")


class ExportListView(DashboardListView):
    """The Audit log's Exports tab: every export the user may see (their own; a superuser all)."""

    section = "Audit log"
    permission_required = "exports.view_export"
    title = "Exports"
    table_target = "export-table"
    filterset_class = ExportFilter
    table_class = ExportTable
    noun = "exports"
    filter_label = "Filter exports"
    empty_text = "No exports yet — use Export on the Redemptions tab."

    def get_queryset(self):
        return queries.visible_exports(self.request.user)
