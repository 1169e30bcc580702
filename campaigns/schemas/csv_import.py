"""CSV files of the imports (``/v1/vouchers/importCSV``, ``/v1/campaigns/{id}/importCSV``,
``/v1/customers/importCSV``) read into the items of their JSON twins, each row checked by the same model.

The first line names the columns. Known headers are matched without regard to case, spaces or
underscores (``Discount Type``, ``discount_type``); every other column goes into the item's metadata under
its header, as the platform does. Empty cells are "not given". A file that cannot be read, or any row that
breaks a rule, refuses the whole file before anything is scheduled: 400 ``invalid_csv`` naming the row
(the header is line 1) and the problem, so a corrected file can be sent again.

Money is in minor units, as everywhere in the API: ``Value`` of an ``AMOUNT`` discount or a gift card is a
whole number of cents. Dates are ISO 8601 (``2026-03-11``, ``2026-03-11T09:00``, ``...Z``); without a zone
they are UTC.
"""

import csv
import io
from datetime import UTC, datetime

from pydantic import BaseModel, ValidationError

from voucherhub.api.parsing import describe_validation_errors
from voucherhub.errors import DomainError
from voucherhub.wire import MAX_FILE_BYTES, unstorable

from .bulk import CampaignImportItemIn, CustomerBulkIn, VoucherImportIn

MAX_CSV_ROWS = 100_000  # a campaign's codes by default; customers alike

_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}
_VOUCHER_TYPES = {"discount": "DISCOUNT_VOUCHER", "discount_voucher": "DISCOUNT_VOUCHER", "gift": "GIFT_VOUCHER",
                  "gift_voucher": "GIFT_VOUCHER", "gift_card": "GIFT_VOUCHER"}  # fmt: skip
_VALUE_OF_DISCOUNT = {"AMOUNT": "amount_off", "PERCENT": "percent_off", "FIXED": "fixed_amount"}
VOUCHER_COLUMNS = (
    "code", "voucher_type", "value", "discount_type", "category", "start_date", "expiration_date",
    "redemption_limit", "redeemed_quantity", "redeemed_amount", "active",
)  # fmt: skip
CUSTOMER_COLUMNS = ("source_id", "name", "email", "description")


def invalid_csv(details: str) -> DomainError:
    return DomainError("invalid_csv", "Invalid CSV file", details)


class RowError(ValueError):
    """What is wrong with one row (the caller adds where)."""


def voucher_items(upload, *, in_campaign: bool) -> list[dict]:
    """The rows of a voucher CSV as the stored items of ``POST /v1/vouchers/import`` (or, ``in_campaign``,
    of ``/v1/campaigns/{id}/import``, where the campaign's template fills what a row leaves out)."""
    model = CampaignImportItemIn if in_campaign else VoucherImportIn
    items = []
    for line, row in _rows(upload, required="code"):
        try:
            body = _voucher(row)
        except RowError as error:
            raise invalid_csv(f"Line {line}: {error}") from None
        items.append(_checked(model, body, line).stored())
    return items


def customer_items(upload) -> list[dict]:
    """The rows of a customer CSV as the items of ``POST /v1/customers/bulk/async`` (upserts by source id)."""
    items = []
    for line, row in _rows(upload, required="source_id"):
        known = {name: row.pop(name) for name in CUSTOMER_COLUMNS if name in row}
        row.pop("id", None)  # VoucherHub assigns the ids; a customer is matched by its source id
        body = known | ({"metadata": _metadata(row)} if row else {})
        items.append(_checked(CustomerBulkIn, body, line).model_dump(exclude_none=True))
    return items


def _rows(upload, *, required: str):
    """(line number, {column: cell}) for each row with a cell; known columns by their normal names, the
    others (metadata) keyed by the header as written."""
    text = _text(upload)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise invalid_csv("The file is empty: its first line names the columns.")
        names = _column_names(header, required)
        count = 0
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            count += 1
            if count > MAX_CSV_ROWS:
                raise invalid_csv(f"The file holds more than {MAX_CSV_ROWS} rows; split it into several files.")
            if len(row) > len(names):
                raise invalid_csv(f"Line {reader.line_num}: {len(row)} cells under {len(names)} columns.")
            yield reader.line_num, {name: cell.strip() for name, cell in zip(names, row, strict=False) if cell.strip()}
    except csv.Error as error:
        raise invalid_csv(f"Line {reader.line_num}: {error}.") from None
    if count == 0:
        raise invalid_csv("The file names its columns but holds no rows.")


def _text(upload) -> str:
    if upload is None:
        raise invalid_csv("Send the CSV file as the multipart field 'file'.")
    if upload.size > MAX_FILE_BYTES:
        raise invalid_csv(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it into several.")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid_csv("The file is not UTF-8 text; save it as CSV UTF-8.") from None
    if unstorable(text):
        raise invalid_csv("The file holds NUL characters; it does not look like a CSV file.")
    return text


def _column_names(header: list[str], required: str) -> list[str]:
    known = set(VOUCHER_COLUMNS) | set(CUSTOMER_COLUMNS) | {"id"}
    names = []
    for cell in header:
        normal = "_".join(cell.strip().lower().replace("-", " ").replace("_", " ").split())
        names.append(normal if normal in known else cell.strip())
    named = [name for name in names if name]
    if len(named) != len(names):
        raise invalid_csv("Line 1: every column needs a name.")
    if len(set(named)) != len(named):
        twice = sorted({name for name in named if named.count(name) > 1})
        raise invalid_csv(f"Line 1: the column {twice[0]!r} appears twice.")
    if required not in names:
        raise invalid_csv(f"Line 1: the file needs a {required.replace('_', ' ').title()} column.")
    return names


def _checked(model: type[BaseModel], body: dict, line: int) -> BaseModel:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problem = describe_validation_errors(error.errors()).removeprefix("Value error, ")
        raise invalid_csv(f"Line {line}: {problem}") from None


def _voucher(row: dict) -> dict:
    """One CSV row as the JSON body of an imported voucher."""
    cells = {name: row.pop(name) for name in VOUCHER_COLUMNS if name in row}
    for past in ("redeemed_quantity", "redeemed_amount"):
        if cells.get(past, "0") != "0":
            title = past.replace("_", " ").title()
            raise RowError(
                f"{title} must be empty or 0: a code arrives unredeemed (VoucherHub keeps redemptions as records)"
            )
    body: dict = {"code": cells["code"]}
    for name in ("category", "start_date", "expiration_date", "active", "redemption_limit"):
        if name in cells:
            body.update(_cell(name, cells[name]))
    body.update(_value(cells))
    if row:
        body["metadata"] = _metadata(row)
    return body


def _cell(name: str, cell: str) -> dict:
    if name == "category":
        return {"category": cell}
    if name == "active":
        lowered = cell.lower()
        if lowered not in _TRUE | _FALSE:
            raise RowError(f"Active must be true or false, not {cell!r}")
        return {"active": lowered in _TRUE}
    if name == "redemption_limit":
        return {"redemption": {"quantity": _whole(cell, "Redemption Limit")}}
    try:
        moment = datetime.fromisoformat(cell)
    except ValueError:
        raise RowError(f"{name.replace('_', ' ').title()} {cell!r} is not an ISO 8601 date") from None
    return {name: (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()}


def _value(cells: dict) -> dict:
    """The discount or gift a row gives: Voucher Type, Discount Type and Value together."""
    kind = cells.get("voucher_type")
    if kind is not None:
        kind = _VOUCHER_TYPES.get("_".join(kind.lower().split()))
        if kind is None:
            raise RowError(f"Voucher Type must be DISCOUNT_VOUCHER or GIFT_VOUCHER, not {cells['voucher_type']!r}")
    discount_type, value = cells.get("discount_type", "").upper() or None, cells.get("value")
    if discount_type is not None and discount_type not in _VALUE_OF_DISCOUNT:
        raise RowError(f"Discount Type must be AMOUNT, PERCENT or FIXED, not {cells['discount_type']!r}")
    kind = kind or ("DISCOUNT_VOUCHER" if discount_type else None)
    body: dict = {"type": kind} if kind else {}
    if value is None:
        if discount_type is not None:
            raise RowError(f"a {discount_type} discount needs a Value")
        return body
    if kind == "GIFT_VOUCHER":
        return body | {"gift": {"amount": _whole(value, "Value")}}
    if discount_type is None:
        raise RowError("a Value needs a Discount Type (AMOUNT, PERCENT or FIXED) or the GIFT_VOUCHER type")
    amount = _number(value) if discount_type == "PERCENT" else _whole(value, "Value")
    return body | {"discount": {"type": discount_type, _VALUE_OF_DISCOUNT[discount_type]: amount}}


def _whole(cell: str, name: str) -> int:
    if not cell.isdigit():
        raise RowError(f"{name} must be a whole number (money in minor units, e.g. 1050 for 10.50), not {cell!r}")
    return int(cell)


def _number(cell: str) -> int | float:
    try:
        value = float(cell)
    except ValueError:
        raise RowError(f"Value must be a number, not {cell!r}") from None
    return int(value) if value.is_integer() else value


def _metadata(row: dict) -> dict:
    """The columns no field takes, as metadata text under their headers."""
    return dict(row)
