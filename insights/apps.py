from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """What reads across the engine, above it: the home page, the Campaigns section (the list with status
    and counts, a dashboard per campaign and its tabs) and GET /v1/campaigns/{id}/summary. No models."""

    name = "insights"
