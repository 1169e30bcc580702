from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.export_create, name="create"),
    path("new/", views.export_dialog, name="dialog"),
    path("<str:export_id>/status/", views.export_status, name="status"),
    path("<str:export_id>/download/", views.export_download, name="download"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/unread/", views.bell, name="bell"),
    path("notifications/<str:notification_id>/open/", views.notification_open, name="open_notification"),
]
