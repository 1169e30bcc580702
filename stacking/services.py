"""State changes of stacking categories. Each function is one transaction and writes its audit event."""

from django.db import IntegrityError, transaction

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import ApiError, not_found

from .models import Category


def _duplicate_name(name: str) -> ApiError:
    return ApiError(
        409, "duplicate_found", "Duplicate resource found", f"A category named {name} already exists",
        resource_type="category",
    )  # fmt: skip


def _save(category: Category, **kwargs) -> None:
    """Saves, turning the unique-name violation of a concurrent writer into 409 ``duplicate_found``."""
    try:
        with transaction.atomic():
            category.save(**kwargs)
    except IntegrityError:
        raise _duplicate_name(category.name) from None


def create_category(*, caller: Caller, name: str, hierarchy: int) -> Category:
    """A new category (regular stacking eligibility; the dashboard sets EXCLUSIVE / JOINT). 409 when
    the name is taken. Events: ``category.created``."""
    with transaction.atomic():
        if Category.objects.filter(name=name).exists():
            raise _duplicate_name(name)
        category = Category(name=name, hierarchy=hierarchy)
        _save(category, force_insert=True)
        record_event(
            "category.created",
            caller=caller,
            resource_type="category",
            resource_id=category.id,
            data={"name": name, "hierarchy": hierarchy},
        )
        return category


def update_category(*, caller: Caller, category_id: str, name: str | None = None, hierarchy: int | None = None):
    """Renames and/or moves a category, under its row lock. Events: ``category.updated``."""
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
        _save(category)
        record_event(
            "category.updated",
            caller=caller,
            resource_type="category",
            resource_id=category.id,
            data={"name": category.name, "hierarchy": category.hierarchy},
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
