from django.urls import path

from . import views

app_name = "auditlog"
urlpatterns = [
    path("", views.RequestLogListView.as_view(), name="logs"),
    path("logs/<str:pk>/", views.RequestLogDetailView.as_view(), name="log_detail"),
    path("events/", views.EventListView.as_view(), name="events"),
]
