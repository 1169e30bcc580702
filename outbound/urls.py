"""Settings > Webhooks, mounted at /settings/webhooks/ (URL names ``outbound:...``)."""

from django.urls import path

from . import views

app_name = "outbound"
urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("<str:webhook_id>/", views.WebhookDetailView.as_view(), name="detail"),
    path("<str:webhook_id>/deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery"),
    path("<str:webhook_id>/deliveries/<int:delivery_id>/replay/", views.delivery_replay, name="replay"),
]
