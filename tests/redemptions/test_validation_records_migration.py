"""Validations stored before records existed are rewritten as records (migration 0007)."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from redemptions.models import Validation

pytestmark = pytest.mark.django_db

migration = importlib.import_module("redemptions.migrations.0007_validation_records")


def test_an_answer_stored_before_becomes_the_record_the_validations_tab_reads():
    answer = [
        {
            "status": "INAPPLICABLE",
            "id": "OLD",
            "object": "voucher",
            "result": {
                "error": {"code": 400, "key": "voucher_expired"},
                "details": {"key": "voucher_expired", "message": "Voucher expired"},
            },
            "campaign_id": "camp_1",
            "categories": [],
        },
        {"status": "APPLICABLE", "id": "NEW", "object": "voucher", "result": {"discount": {"type": "AMOUNT"}}},
        {"object": "voucher", "id": "REC", "status": "SKIPPED", "reason": "exclusion_rules_not_met", "message": "x"},
    ]
    validation = Validation.objects.create(id="valid_old", valid=False, redeemables=answer, created_at=timezone.now())
    migration.forwards(apps, None)
    validation.refresh_from_db()
    assert validation.redeemables == [
        {
            "object": "voucher",
            "id": "OLD",
            "status": "INAPPLICABLE",
            "reason": "voucher_expired",
            "message": "Voucher expired",
            "campaign_id": "camp_1",
        },
        {"object": "voucher", "id": "NEW", "status": "APPLICABLE"},
        answer[2],
    ]
