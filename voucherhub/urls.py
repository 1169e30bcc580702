from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .api.site import management_urls
from .api.site import urls as api_urls

urlpatterns = [
    path("v1/", api_urls()),  # first: every API call resolves here without trying the dashboard's routes
    path("management/v1/", management_urls()),  # the project and its webhooks (keys with management rights)
    path("", include("insights.urls")),  # the home page and the Campaigns section (/campaigns/)
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("customers/", include("customers.urls")),  # the Customers section (Admins: personal data)
    path("redemptions/stacking-rules/", include("redemptions.stacking_urls")),
    path("redemptions/", include("redemptions.urls")),
    path("audit-log/", include("auditlog.urls")),
    path("settings/api-keys/", include("apikeys.urls")),  # Admins' API keys (Settings > API keys)
    path("settings/webhooks/", include("outbound.urls")),  # Admins' webhook endpoints and their deliveries
    path("settings/", include("dashboard.urls")),  # each user's own preferences (their time zone)
    path("", include("exports.urls")),  # /exports/... and the Audit log's Exports tab, /audit-log/exports/
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

handler500 = "voucherhub.views.server_error"  # a database outage outside a view answers 503
