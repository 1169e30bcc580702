"""State changes of stacking categories and rules (each function is one transaction and writes its audit
event), and the rules as the engine reads them on every call (:func:`cached_rules`)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError, not_found

from .models import Category, StackingRules

# The settings the Stacking Rules tab edits, in the order the form shows them.
STACKING_RULES_FIELDS = (
    "redeemables_limit",
    "applicable_redeemables_limit",
    "applicable_exclusive_redeemables_limit",
    "applicable_redeemables_per_category_limit",
    "redeemables_application_mode",
    "redeemables_sorting_rule",
    "default_discount_calculation",
)


def _duplicate_name(name: str) -> DomainError:
    return DomainError("duplicate_found", "Duplicate resource found", f"A category named {name} already exists",
        resource_type="category",
    )  # fmt: skip


def _save(category: Category, **kwargs) -> None:
    """Saves, turning the unique-name violation of a concurrent writer into ``duplicate_found``."""
    try:
        with transaction.atomic():
            category.save(**kwargs)
    except IntegrityError:
        raise _duplicate_name(category.name) from None


def _stacking_data(category: Category, data: dict, *, eligibility: str | None, calculation: str | None) -> dict:
    """The event data, with the stacking fields when the call set them (the API sets neither)."""
    if eligibility is not None or calculation is not None:
        data["stacking_rules_type"] = category.stacking_rules_type
        data["discount_calculation"] = category.discount_calculation
    return data


def create_category(
    *,
    caller: Caller,
    name: str,
    hierarchy: int,
    stacking_rules_type: str | None = None,
    discount_calculation: str | None = None,
) -> Category:
    """A new category (regular stacking eligibility unless ``stacking_rules_type`` is given: the dashboard
    sets EXCLUSIVE / JOINT and the calculation). ``duplicate_found`` when the name is taken. Events:
    ``category.created``."""
    with transaction.atomic():
        if Category.objects.filter(name=name).exists():
            raise _duplicate_name(name)
        category = Category(name=name, hierarchy=hierarchy)
        if stacking_rules_type is not None:
            category.stacking_rules_type = stacking_rules_type
        if discount_calculation is not None:
            category.discount_calculation = discount_calculation
        _save(category, force_insert=True)
        record_event(
            "category.created",
            caller=caller,
            resource_type="category",
            resource_id=category.id,
            data=_stacking_data(
                category,
                {"name": name, "hierarchy": hierarchy},
                eligibility=stacking_rules_type,
                calculation=discount_calculation,
            ),
        )
        return category


def update_category(
    *,
    caller: Caller,
    category_id: str,
    name: str | None = None,
    hierarchy: int | None = None,
    stacking_rules_type: str | None = None,
    discount_calculation: str | None = None,
):
    """Renames and/or moves a category, and (dashboard) sets its stacking eligibility and calculation,
    under its row lock. Events: ``category.updated``."""
    with transaction.atomic():
        category = Category.objects.select_for_update().filter(pk=category_id).first()
        if category is None:
            raise not_found("category", category_id)
        if name is not None and name != category.name:
            if Category.objects.filter(name=name).exclude(pk=category.pk).exists():
                raise _duplicate_name(name)
            category.name = name
        if hierarchy is not None:
            category.hierarchy = hierarchy
        if stacking_rules_type is not None:
            category.stacking_rules_type = stacking_rules_type
        if discount_calculation is not None:
            category.discount_calculation = discount_calculation
        _save(category)
        record_event(
            "category.updated",
            caller=caller,
            resource_type="category",
            resource_id=category.id,
            data=_stacking_data(
                category,
                {"name": category.name, "hierarchy": category.hierarchy},
                eligibility=stacking_rules_type,
                calculation=discount_calculation,
            ),
        )
        return category


def delete_category(*, caller: Caller, category_id: str) -> None:
    """Deletes a category; its campaigns, vouchers and tiers keep existing without one. Events:
    ``category.deleted``."""
    with transaction.atomic():
        category = Category.objects.select_for_update().filter(pk=category_id).first()
        if category is None:
            raise not_found("category", category_id)
        record_event(
            "category.deleted",
            caller=caller,
            resource_type="category",
            resource_id=category.id,
            data={"name": category.name},
        )
        category.delete()


def update_stacking_rules(*, rules_data: dict, caller: Caller) -> StackingRules:
    """Saves the installation's stacking settings under the row's lock (the row is created with the
    defaults first if it is missing). ``rules_data`` holds already validated values of
    :data:`STACKING_RULES_FIELDS`; keys it leaves out keep their value. The database constraints back the
    ranges. Events: ``stacking_rules.updated`` with the values before and after."""
    unknown = set(rules_data) - set(STACKING_RULES_FIELDS)
    if unknown:
        raise ValueError(f"unknown stacking rules fields: {sorted(unknown)}")
    with transaction.atomic():
        StackingRules.objects.get_or_create(pk=StackingRules.SINGLETON_PK)
        rules = StackingRules.objects.select_for_update().get(pk=StackingRules.SINGLETON_PK)
        before = {name: getattr(rules, name) for name in STACKING_RULES_FIELDS}
        for name, value in rules_data.items():
            setattr(rules, name, value)
        rules.updated_by = caller.user if getattr(caller.user, "pk", None) is not None else None
        rules.save()
        after = {name: getattr(rules, name) for name in STACKING_RULES_FIELDS}
        record_event(
            "stacking_rules.updated",
            caller=caller,
            resource_type="stacking_rules",
            resource_id=str(rules.pk),
            data={"before": before, "after": after, "changed": sorted(k for k in after if after[k] != before[k])},
        )
        return rules


# --- the rules as the engine reads them --------------------------------------------------------------------

# How long a process may keep using the stacking rules (and categories) it read outside a transaction: an
# edit made by another process applies everywhere within this many seconds; one saved by this process, at once.
RULES_CACHE_SECONDS = 5.0


class _ProcessCache:
    """One value read from the database, kept by the process for RULES_CACHE_SECONDS (shared by its
    threads: treat it as read-only). Inside a transaction (an ``Idempotency-Key`` call, a test) it is
    always read, so that a transaction sees its own writes and never a value cached by another."""

    def __init__(self, read):
        self.read = read
        self.entry: tuple[float, object] | None = None  # (read until, value)
        self.held = False  # inside held_for_load(): kept until a save, even in a transaction

    def get(self):
        if self.held:
            if self.entry is None:
                self.entry = (float("inf"), self.read())
            return self.entry[1]
        if transaction.get_connection().in_atomic_block:
            return self.read()
        now = time.monotonic()
        entry = self.entry
        if entry is not None and entry[0] > now:
            return entry[1]
        value = self.read()
        self.entry = (now + RULES_CACHE_SECONDS, value)
        return value

    def forget(self) -> None:
        self.entry = None


_rules = _ProcessCache(StackingRules.load)
_categories = _ProcessCache(lambda: list(Category.with_own_eligibility()))


def cached_rules() -> StackingRules:
    """The installation's stacking rules for a validation or redemption (one query less per call)."""
    return _rules.get()


def cached_stacking_categories() -> list[Category]:
    """The categories with an eligibility of their own (EXCLUSIVE / JOINT), as a validation's
    ``stacking_rules`` lists them."""
    return _categories.get()


@contextmanager
def held_for_load() -> Iterator[None]:
    """Within the block this process reads the stacking rules and categories once, even inside a
    transaction, until a save in this process changes them: for a load that makes thousands of calls in one
    transaction (``seed_demo``); an edit another process makes meanwhile applies after the block."""
    _forget()
    _rules.held = _categories.held = True
    try:
        yield
    finally:
        _rules.held = _categories.held = False
        _forget()


@receiver(post_save, sender=StackingRules, dispatch_uid="stacking.forget_cached.rules_save")
@receiver(post_delete, sender=StackingRules, dispatch_uid="stacking.forget_cached.rules_delete")
@receiver(post_save, sender=Category, dispatch_uid="stacking.forget_cached.category_save")
@receiver(post_delete, sender=Category, dispatch_uid="stacking.forget_cached.category_delete")
@receiver(post_migrate, dispatch_uid="stacking.forget_cached.flush")  # a test database flush
def forget_cached(**kwargs) -> None:
    """A save in this process: forget what is cached now, and again once the save commits (a read
    racing the transaction may have cached the old rows meanwhile)."""
    _forget()
    transaction.on_commit(_forget)


def _forget() -> None:
    _rules.forget()
    _categories.forget()
