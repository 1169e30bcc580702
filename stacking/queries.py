"""Read side of stacking: the rules row as the Stacking Rules tab shows it."""

from .models import StackingRules


def current_rules() -> StackingRules:
    """The stored rules row, or an unsaved one with the defaults (``StackingRules.load`` would create it)."""
    return StackingRules.objects.filter(pk=StackingRules.SINGLETON_PK).first() or StackingRules()
