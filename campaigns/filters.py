"""Filter panels over the catalogue that more than one app reads: the gift-card Transactions tab's (shown by
insights, exported by exports, which must select exactly the rows the tab shows)."""

import django_filters

from dashboard.filters import FilterPanelMixin, bootstrap_widgets

from .models import VoucherTransaction


class TransactionFilter(FilterPanelMixin, django_filters.FilterSet):
    voucher = django_filters.CharFilter(label="Voucher code", field_name="voucher__code", max_length=100)
    source = django_filters.ChoiceFilter(
        label="Change", choices=VoucherTransaction.Source.choices, empty_label="Any change"
    )

    class Meta:
        model = VoucherTransaction
        fields = ["voucher", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self.form)
