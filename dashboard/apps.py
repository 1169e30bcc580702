from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """What every dashboard page shares: list view base, keyset pages with one count cap, section tabs,
    filter helpers, shared list templates (templates/dashboard/), money and time formatting, and each
    user's preferences (their time zone: the Settings page)."""

    name = "dashboard"
