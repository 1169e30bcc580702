from django.apps import AppConfig


class ValidationSessionsConfig(AppConfig):
    # The label "sessions" belongs to django.contrib.sessions.
    name = "sessions"
    label = "validation_sessions"
    verbose_name = "Validation sessions"
    default_auto_field = "django.db.models.BigAutoField"
