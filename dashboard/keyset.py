"""Keyset ("seek") pagination for every dashboard list: no OFFSET, however deep the page.

A list is sorted by one column's key — its fields, then the primary key, all in one direction — and a page
is "the ``per_page`` rows after (or before) this key". The key of the page's last row goes into the URL as
an opaque cursor (``?after=...``; ``?before=...`` for the previous page), so a deep page costs what the
first one costs: an index range scan of ``per_page + 1`` rows. With one direction for every field the
condition is a row comparison, ``(status, created_at, id) < (%s, %s, %s)``, which PostgreSQL answers from
an index on the same columns; the first field is also bounded on its own so an index that starts with
it (and lacks the rest) is range-scanned too.

A cursor that cannot be read is a form error (:class:`CursorForm`), never a 500; a cursor of another sort
order (the user clicked a column header) is dropped: the list starts at its first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

from django import forms
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django_tables2 import LazyPaginator

CURSOR_MAX_LENGTH = 2000


@dataclass(frozen=True)
class SortKey:
    """A sort order: ``name`` as it reads in ``?sort=`` (``-created_at``), the fields it orders by."""

    name: str
    fields: tuple[str, ...]
    descending: bool

    def ordering(self, *, reverse: bool = False) -> list:
        desc = self.descending != reverse
        return [F(f).desc() if desc else F(f).asc() for f in self.fields]

    def values(self, row) -> list:
        """The row's key values; a foreign key (a loyalty card's primary key is its voucher) by its id."""
        values = [getattr(row, field) for field in self.fields]
        return [value.pk if isinstance(value, models.Model) else value for value in values]

    def seek(self, queryset: QuerySet, values: list, *, backwards: bool = False) -> QuerySet:
        """Rows strictly after ``values`` in this order (before them with ``backwards``)."""
        lower = self.descending == backwards  # moving towards larger keys
        lookup = TupleGreaterThan if lower else TupleLessThan
        bound = "gte" if lower else "lte"
        condition = lookup(Tuple(*(F(f) for f in self.fields)), values)
        return queryset.filter(condition, **{f"{self.fields[0]}__{bound}": values[0]})


def sort_key(table_class, model, sort: str | None, default: str) -> SortKey:
    """The key of the table column named by ``?sort=``: its ``order_by`` fields, which must be columns
    of ``model`` that are never NULL and end with the primary key. The default sort when the name is
    missing or not a sortable column."""
    for name in (sort or "", default):
        column = table_class.base_columns.get(name.removeprefix("-"))
        if column is None or column.orderable is False or not column.order_by:
            continue
        fields = tuple(field.lstrip("-") for field in column.order_by)
        for field in fields:
            if model._meta.get_field(field).null:
                raise ImproperlyConfigured(f"{table_class.__name__}: sort field {field} may be NULL")
        if fields[-1] != model._meta.pk.name:
            raise ImproperlyConfigured(f"{table_class.__name__}: a sort must end with the primary key")
        return SortKey(name=name, fields=fields, descending=name.startswith("-"))
    raise ImproperlyConfigured(f"{table_class.__name__}: the default sort {default!r} is not a sortable column")


def _plain(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def encode(key: SortKey, values: list) -> str:
    raw = json.dumps([key.name, [_plain(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


class CursorForm(forms.Form):
    """``?after=`` / ``?before=`` read back into the key values of the row they point at."""

    after = forms.CharField(required=False, max_length=CURSOR_MAX_LENGTH)
    before = forms.CharField(required=False, max_length=CURSOR_MAX_LENGTH)

    def __init__(self, data, *, key: SortKey, model):
        super().__init__(data)
        self.key = key
        self.model = model
        self.direction = ""  # "after", "before" or "" (the first page)
        self.values: list = []

    def _decode(self, text: str) -> list | None:
        """The key values, or None when the cursor belongs to another sort order."""
        try:
            name, values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise ValidationError("This page link cannot be read — go back to the first page.") from None
        if name != self.key.name:
            return None
        if not isinstance(values, list) or len(values) != len(self.key.fields):
            raise ValidationError("This page link does not fit this list — go back to the first page.")
        typed = []
        for field_name, value in zip(self.key.fields, values, strict=True):
            try:
                field = self.model._meta.get_field(field_name)
                if value is None or isinstance(value, list | dict) or "\x00" in str(value):
                    raise ValidationError("bad value")
                typed.append(field.clean(value, None))  # to_python, choices and the column's range
            except (FieldDoesNotExist, ValidationError, TypeError, ValueError):
                raise ValidationError("This page link does not fit this list — go back to the first page.") from None
        return typed

    def clean(self):
        cleaned = super().clean()
        for direction in ("after", "before"):
            text = cleaned.get(direction)
            if not text:
                continue
            try:
                values = self._decode(text)
            except ValidationError as error:
                self.add_error(direction, error)
                return cleaned
            if values is not None:
                self.direction, self.values = direction, values
            return cleaned
        return cleaned


def window(queryset: QuerySet, key: SortKey, cursor: CursorForm, per_page: int) -> tuple[QuerySet, bool]:
    """The rows from the page ``cursor`` points at onwards, in ``key`` order, and whether that page is
    the list's first. The caller shows the first ``per_page`` of them (one query of ``per_page + 1``
    rows: a next page exists when there is one more); a previous page costs one query more."""
    if cursor.direction == "after":
        return key.seek(queryset, cursor.values), False
    if cursor.direction == "before":
        # The keys of the rows just before the cursor, nearest first. Given more than a page of them,
        # the page starts after the (per_page + 1)-th; given fewer, the previous page is the first.
        backwards = key.seek(queryset, cursor.values, backwards=True).order_by(*key.ordering(reverse=True))
        seen = list(backwards.values_list(*key.fields)[: per_page + 1])
        if len(seen) > per_page:
            return key.seek(queryset, list(seen[per_page])), False
    return queryset, True


def cursors(key: SortKey, rows: list, *, has_next: bool, first: bool) -> dict[str, str]:
    """The ``after`` and ``before`` cursors of the page showing ``rows`` ("" where there is no page)."""
    return {
        "next": encode(key, key.values(rows[-1])) if has_next and rows else "",
        "previous": "" if first or not rows else encode(key, key.values(rows[0])),
    }


def keyset_table(request, table_class, queryset: QuerySet, *, default_sort: str, per_page: int, **table_kwargs):
    """``table_class`` showing the page of ``queryset`` that ``?sort=`` and ``?after=``/``?before=`` ask
    for. The table gets ``cursors`` (next/previous) and ``cursor_form`` (its errors) for
    ``dashboard/keyset_table.html``."""
    key = sort_key(table_class, queryset.model, request.GET.get("sort"), default_sort)
    cursor = CursorForm(request.GET, key=key, model=queryset.model)
    rows, first = window(queryset, key, cursor, per_page) if cursor.is_valid() else (queryset, True)
    table = table_class(rows, order_by=key.name, **table_kwargs)
    table.paginate(paginator_class=LazyPaginator, per_page=per_page, page=1)
    records = [row.record for row in table.page.object_list]
    table.cursors = cursors(key, records, has_next=table.page.has_next(), first=first)
    table.cursor_form = cursor
    return table
