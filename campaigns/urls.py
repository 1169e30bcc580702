from django.urls import path

from voucherhub.views import ComingNextView

app_name = "campaigns"
urlpatterns = [
    path(
        "",
        ComingNextView.as_view(
            title="Campaigns",
            section="Campaigns",
            permission_required="campaigns.view_campaign",
            description="Campaign list and per-campaign dashboards with charts.",
        ),
        name="list",
    ),
]
