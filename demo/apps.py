from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data: ``python manage.py seed_demo``. On top of every other app; nothing imports it. No models."""

    name = "demo"
