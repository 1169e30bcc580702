from django.apps import AppConfig


class RedemptionsConfig(AppConfig):
    name = "redemptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The Stacking Rules tab (stacking, below this app) shows the simulator, which runs this app's
        # checks: it is added to the tab here rather than imported by it (stacking.panels).
        from stacking.panels import Panel, add_panel

        from .simulator import simulator_panel

        add_panel(
            Panel(
                name="simulator",
                template="redemptions/simulator.html",
                context=simulator_panel,
                swaps={"simulator-result": "simulator_result"},
            )
        )
