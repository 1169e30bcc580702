from django.urls import path

from voucherhub.views import ComingNextView

TABS = [
    ("Redemptions", "redemptions:list", "redemptions.view_redemption"),
    ("Validations", "redemptions:validations", "redemptions.view_validation"),
    ("Sessions", "redemptions:sessions", "validation_sessions.view_validationsession"),
    ("Stacking rules", "stacking:rules", "stacking.view_stackingrules"),
]


def tab(title: str, permission: str, description: str):
    return ComingNextView.as_view(
        title=title,
        section="Redemptions",
        permission_required=permission,
        tabs=TABS,
        description=description,
    )


app_name = "redemptions"
urlpatterns = [
    path(
        "",
        tab("Redemptions", "redemptions.view_redemption", "The list of every redemption attempt with its filters."),
        name="list",
    ),
    path(
        "validations/",
        tab("Validations", "redemptions.view_validation", "Validations of the last 30 days and their results."),
        name="validations",
    ),
    path(
        "sessions/",
        tab("Sessions", "validation_sessions.view_validationsession", "LOCK sessions and the vouchers they hold."),
        name="sessions",
    ),
]
