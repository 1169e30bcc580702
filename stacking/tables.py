"""django-tables2 table of the Stacking Rules tab."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .models import Category


class CategoryTable(tables.Table):
    name = tables.Column()
    hierarchy = tables.Column()
    stacking_rules_type = tables.Column(verbose_name="Eligibility", empty_values=())
    discount_calculation = tables.Column(verbose_name="Calculation")
    campaigns = tables.Column(verbose_name="Campaigns using it", empty_values=(), orderable=False)
    actions = tables.Column(verbose_name="", empty_values=(), orderable=False)

    class Meta:
        model = Category
        fields = ("name", "hierarchy", "stacking_rules_type", "discount_calculation")
        order_by = ("hierarchy", "name")
        attrs = {"class": "table table-hover align-middle mb-0", "id": "categories-table"}
        empty_text = "No categories yet — create one with New category, then assign it to campaigns."

    def __init__(self, *args, can_change: bool = False, can_add: bool = False, **kwargs):
        if not can_change:
            kwargs["exclude"] = ("actions",)
        if not can_add:  # no New category button: say who can make one
            kwargs["empty_text"] = "No categories yet. An administrator can create them and assign them to campaigns."
        super().__init__(*args, **kwargs)

    def render_stacking_rules_type(self, record):
        return record.get_stacking_rules_type_display() or "Regular"

    def render_campaigns(self, record):
        names = [c.name for c in record.campaigns.all()]
        if not names:
            return "—"
        return format_html_join(", ", "{}", ((n,) for n in names))

    def render_actions(self, record):
        url = reverse("stacking:category_edit", args=[record.pk])
        return format_html(
            '<a class="btn btn-sm btn-outline-secondary" href="{}" hx-get="{}" hx-target="#categories-panel" '
            'hx-swap="outerHTML" aria-label="Edit {}">Edit</a>',
            url,
            url,
            record.name,
        )
