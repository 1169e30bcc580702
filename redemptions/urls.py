from django.urls import include, path, re_path

from . import validation_views, views

app_name = "redemptions"
urlpatterns = [
    path("", views.RedemptionListView.as_view(), name="list"),
    # Redemption ids only (r_..., rf_...), so these never shadow a tab's URL whatever the order.
    re_path(r"^(?P<redemption_id>rf?_[A-Za-z0-9]+)/$", views.redemption_detail, name="detail"),
    re_path(r"^(?P<redemption_id>rf?_[A-Za-z0-9]+)/rollback/$", views.redemption_rollback, name="rollback"),
    path("validations/", validation_views.ValidationListView.as_view(), name="validations"),
    path("validations/<str:pk>/", validation_views.ValidationDetailView.as_view(), name="validation_detail"),
    path("sessions/", include("sessions.urls")),
]
