"""The Export dialog's form: what to export, which columns, and the list filters it applies."""

from django import forms

from .sources import METADATA_PREFIX, SOURCES, Source


def list_filters(source: Source | None, params) -> dict:
    """The source's list filters among ``params`` (the list's query string or the dialog's hidden inputs)."""
    found: dict = {}
    for name in source.filter_params if source else ():
        values = [v for v in params.getlist(name) if v != ""]
        if values:
            found[name] = values[0] if len(values) == 1 else values
    return found


def _label(name: str) -> str:
    """A column as the dialog names it, in words: "order_amount" -> "Order amount", "customer_id" ->
    "Customer ID". The file's header keeps the keys (money columns end ``_minor``: the dialog says so)."""
    words = name.replace("_", " ").capitalize().split(" ")
    return " ".join("ID" if word.lower() == "id" else word for word in words)


class ExportForm(forms.Form):
    exported_object = forms.ChoiceField(choices=(), widget=forms.HiddenInput)
    # The choices are the columns the user may export (``Source.standard_fields``): a column of customer
    # data posted by someone who may not see customers (voucherhub.privacy) is refused with this error.
    fields = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "The column %(value)s is not one you may export."},
    )

    def __init__(self, data=None, *, user, source_name: str = "redemption", metadata_keys=()):
        super().__init__(data)
        self.fields["exported_object"].choices = [(name, source.label) for name, source in SOURCES.items()]
        if data is not None:
            source_name = data.get("exported_object", "")
        self.source: Source | None = SOURCES.get(source_name)
        self.metadata_choices: list[tuple[str, str]] = []
        self.standard_choices: list[tuple[str, str]] = []
        if self.source is None:
            return
        metadata = list(metadata_keys)
        if data is not None:  # a posted key need not be among those the dialog found in its sample
            metadata += [f[len(METADATA_PREFIX) :] for f in data.getlist("fields") if f.startswith(METADATA_PREFIX)]
        self.metadata_choices = [(f"{METADATA_PREFIX}{key}", key) for key in dict.fromkeys(metadata)]
        self.standard_choices = [(f, _label(f)) for f in self.source.standard_fields(user)]
        self.fields["fields"].choices = self.standard_choices + self.metadata_choices
        offered = {value for value, _ in self.standard_choices}
        ticked = [f for f in self.source.dialog_fields or self.source.default_fields if f in offered]
        self.initial.update(exported_object=self.source.name, fields=ticked)

    def filters(self, params) -> dict:
        return list_filters(self.source, params)
