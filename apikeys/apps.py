from django.apps import AppConfig


class ApiKeysConfig(AppConfig):
    """Settings > API keys: Admins create the keys shops call /v1/ with (the token shown once) and revoke
    them, each change in the audit trail. The ApiKey model and the authentication stay in voucherhub."""

    name = "apikeys"
    verbose_name = "API keys"
