"""Rows to export: redemptions with metadata, including a cell a spreadsheet would read as a formula."""

import csv
import io
from datetime import timedelta

from django.utils import timezone

from tests.factories import make_campaign, make_customer
from tests.redemptions.factories import make_redemption

FORMULA = '=HYPERLINK("http://evil.example","click")'


def export_rows():
    """Three redemptions of "Summer sale" (two succeeded, one failed) and one of another campaign."""
    summer = make_campaign(name="Summer sale")
    winter = make_campaign(name="Winter sale")
    ann = make_customer(name="Ann", source_id="ann")
    now = timezone.now()
    rows = {
        "formula": make_redemption(
            voucher_code="SUMMER-1", campaign=summer, customer=ann, metadata={"note": FORMULA, "source": "web"},
            created_at=now - timedelta(minutes=1),
        ),
        "plain": make_redemption(
            voucher_code="SUMMER-2", campaign=summer, metadata={"note": "fine", "source": "pos"},
            created_at=now - timedelta(minutes=2),
        ),
        "failed": make_redemption(
            failed=True, voucher_code="-5 off", campaign=summer, metadata={"source": "web"},
            created_at=now - timedelta(minutes=3),
        ),
        "other": make_redemption(voucher_code="WINTER-1", campaign=winter, created_at=now - timedelta(minutes=4)),
    }  # fmt: skip
    return summer, rows


def read_csv(data: bytes | str) -> list[list[str]]:
    text = data.decode() if isinstance(data, bytes) else data
    return list(csv.reader(io.StringIO(text)))


def export_csv(export) -> list[list[str]]:
    with export.file.open("rb") as handle:
        return read_csv(handle.read())
