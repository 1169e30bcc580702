"""The Stacking Rules tab of the Redemptions section, mounted at /redemptions/stacking-rules/."""

from django.urls import path

from redemptions.urls import tab

app_name = "stacking"
urlpatterns = [
    path(
        "",
        tab("Stacking rules", "stacking.view_stackingrules", "Stacking settings, categories and the simulator."),
        name="rules",
    ),
]
