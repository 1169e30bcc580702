"""Read side of stacking: the rules row as the Stacking Rules tab shows it, and the categories with the
campaigns that use them."""

from django.db.models import Prefetch, QuerySet

from .models import Category, StackingRules


def current_rules() -> StackingRules:
    """The stored rules row, or an unsaved one with the defaults (``StackingRules.load`` would create it)."""
    return StackingRules.objects.filter(pk=StackingRules.SINGLETON_PK).first() or StackingRules()


def categories_with_campaigns() -> QuerySet[Category]:
    """Categories with the live campaigns using each (id and name only), in two queries.

    The campaigns are reached through the reverse relation of ``Campaign.category``: campaigns sit above
    stacking and this module does not import them."""
    campaigns = Category._meta.get_field("campaigns").related_model._default_manager
    live = campaigns.filter(deleted_at__isnull=True).only("id", "name", "category_id").order_by("name")
    return Category.objects.prefetch_related(Prefetch("campaigns", queryset=live))
