from django.urls import path

from voucherhub.views import ComingNextView

app_name = "auditlog"
urlpatterns = [
    path(
        "",
        ComingNextView.as_view(
            title="Audit log",
            section="Audit log",
            permission_required="auditlog.view_requestlog",
            description="Request logs of every API call, events and exports.",
        ),
        name="logs",
    ),
]
