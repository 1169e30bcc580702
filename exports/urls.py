"""Exports' pages, mounted at the site's root: the Export dialog, progress, downloads and notifications
under /exports/, and the Audit log's Exports tab at /audit-log/exports/ (its place in that section)."""

from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("exports/", views.export_create, name="create"),
    path("exports/new/", views.export_dialog, name="dialog"),
    path("exports/<str:export_id>/status/", views.export_status, name="status"),
    path("exports/<str:export_id>/download/", views.export_download, name="download"),
    path("exports/notifications/", views.notification_list, name="notifications"),
    path("exports/notifications/unread/", views.bell, name="bell"),
    path("exports/notifications/<str:notification_id>/open/", views.notification_open, name="open_notification"),
    path("audit-log/exports/", views.ExportListView.as_view(), name="list"),
]
