"""Stacking: the one row of stacking rules and the categories that campaigns and vouchers belong to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from voucherhub.ids import ID_LENGTH, id_default

MAX_REDEEMABLES = 30  # the platform's hard ceiling on redeemables per request
MAX_EXCLUSIVE = 5


class StackingEligibility(models.TextChoices):
    REGULAR = "", "Regular"
    EXCLUSIVE = "EXCLUSIVE", "Exclusive (never stackable)"
    JOINT = "JOINT", "Joint (always stackable)"


class DiscountCalculation(models.TextChoices):
    DEFAULT = "DEFAULT", "Default"
    INITIAL_AMOUNT = "INITIAL_AMOUNT", "Initial amount"
    DISCOUNTED_AMOUNT = "DISCOUNTED_AMOUNT", "Discounted amount"


class ApplicationMode(models.TextChoices):
    ALL = "ALL", "All"
    PARTIAL = "PARTIAL", "Partial"


class SortingRule(models.TextChoices):
    REQUESTED_ORDER = "REQUESTED_ORDER", "Requested order"
    CATEGORY_HIERARCHY = "CATEGORY_HIERARCHY", "Category hierarchy"


class Category(models.Model):
    """A stacking category. ``hierarchy`` 1 is applied first under CATEGORY_HIERARCHY."""

    id = models.CharField(primary_key=True, max_length=ID_LENGTH, default=id_default("cat_"), editable=False)
    name = models.CharField(max_length=100, unique=True)
    hierarchy = models.PositiveIntegerField(default=1)
    stacking_rules_type = models.CharField(
        "stacking eligibility", max_length=16, choices=StackingEligibility.choices, blank=True, default=""
    )
    discount_calculation = models.CharField(
        max_length=20, choices=DiscountCalculation.choices, default=DiscountCalculation.DEFAULT
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["hierarchy", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stacking_rules_type__in=StackingEligibility.values), name="category_eligibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(discount_calculation__in=DiscountCalculation.values), name="category_calculation_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def with_own_eligibility(cls) -> models.QuerySet["Category"]:
        """The EXCLUSIVE and JOINT categories: what a validation's ``stacking_rules`` lists."""
        return cls.objects.exclude(stacking_rules_type=StackingEligibility.REGULAR)


class StackingRules(models.Model):
    """The installation's stacking settings: exactly one row (pk 1), enforced by the database."""

    SINGLETON_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    redeemables_limit = models.PositiveSmallIntegerField(default=30)
    applicable_redeemables_limit = models.PositiveSmallIntegerField(default=5)
    applicable_exclusive_redeemables_limit = models.PositiveSmallIntegerField(default=1)
    applicable_redeemables_per_category_limit = models.PositiveSmallIntegerField(null=True, blank=True)
    redeemables_application_mode = models.CharField(
        max_length=10, choices=ApplicationMode.choices, default=ApplicationMode.ALL
    )
    redeemables_sorting_rule = models.CharField(
        max_length=20, choices=SortingRule.choices, default=SortingRule.REQUESTED_ORDER
    )
    # The mode of categories left at DEFAULT (and of redeemables without a category).
    default_discount_calculation = models.CharField(
        max_length=20,
        choices=[c for c in DiscountCalculation.choices if c[0] != DiscountCalculation.DEFAULT],
        default=DiscountCalculation.INITIAL_AMOUNT,
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "stacking rules"
        verbose_name_plural = "stacking rules"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="stacking_rules_single_row"),
            models.CheckConstraint(
                condition=Q(redeemables_limit__gte=1, redeemables_limit__lte=MAX_REDEEMABLES),
                name="stacking_redeemables_limit_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    applicable_redeemables_limit__gte=1,
                    applicable_redeemables_limit__lte=models.F("redeemables_limit"),
                ),
                name="stacking_applicable_limit_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    applicable_exclusive_redeemables_limit__gte=1,
                    applicable_exclusive_redeemables_limit__lte=MAX_EXCLUSIVE,
                )
                & Q(applicable_exclusive_redeemables_limit__lte=models.F("applicable_redeemables_limit")),
                name="stacking_exclusive_limit_range",
            ),
            models.CheckConstraint(
                condition=Q(applicable_redeemables_per_category_limit__isnull=True)
                | Q(
                    applicable_redeemables_per_category_limit__gte=1,
                    applicable_redeemables_per_category_limit__lte=MAX_REDEEMABLES,
                ),
                name="stacking_per_category_limit_range",
            ),
            models.CheckConstraint(
                condition=Q(redeemables_application_mode__in=ApplicationMode.values), name="stacking_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(redeemables_sorting_rule__in=SortingRule.values), name="stacking_sorting_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    default_discount_calculation__in=[
                        DiscountCalculation.INITIAL_AMOUNT,
                        DiscountCalculation.DISCOUNTED_AMOUNT,
                    ]
                ),
                name="stacking_default_calculation_valid",
            ),
        ]

    def __str__(self) -> str:
        return "Stacking rules"

    @classmethod
    def load(cls) -> "StackingRules":
        """The single row, created with the defaults on first use."""
        rules, _ = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return rules
