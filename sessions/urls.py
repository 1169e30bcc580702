"""Included by redemptions.urls (namespace "redemptions"), so the names read "redemptions:sessions"."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.SessionListView.as_view(), name="sessions"),
    # release before detail: keys are client-given and may contain "/" (path converter)
    path("<path:key>/release/", views.SessionReleaseView.as_view(), name="session_release"),
    path("<path:key>/", views.SessionDetailView.as_view(), name="session_detail"),
]
