"""Settings > API keys, mounted at /settings/api-keys/ (URL names ``apikeys:...``)."""

from django.urls import path

from . import views

app_name = "apikeys"
urlpatterns = [
    path("", views.key_list, name="list"),
    path("<str:key_id>/revoke/", views.key_revoke, name="revoke"),
]
