from django.apps import AppConfig


class RedemptionsConfig(AppConfig):
    name = "redemptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from campaigns.models import AsyncAction
        from campaigns.services import bulk

        from .services.orders import import_order

        # POST /v1/orders/import is an async action of the campaigns app's bulk jobs; its items are orders.
        bulk.handle(AsyncAction.Type.ORDERS_IMPORT, import_order)
