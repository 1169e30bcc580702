from django.apps import AppConfig


class CustomersConfig(AppConfig):
    """The Customers section: the customer list, each customer's profile and their activity across
    campaigns; and /v1/customers (the catalogue's Customer model and its services stay in campaigns,
    which the engine uses). No models."""

    name = "customers"
