"""What a process remembers between calls (stacking rules, API keys: see voucherhub.api.auth) and how soon it
notices a change made elsewhere."""

import time

import pytest
from django.db import transaction

from stacking import services as stacking_services
from stacking.models import StackingRules
from stacking.services import cached_rules, cached_stacking_categories, create_category, update_stacking_rules
from voucherhub.caller import Caller

pytestmark = pytest.mark.django_db(transaction=True)  # the cache serves reads made outside a transaction


def mode() -> str:
    return cached_rules().redeemables_application_mode


def test_rules_saved_in_this_process_apply_at_once_and_rules_changed_elsewhere_within_the_cache_time(monkeypatch):
    monkeypatch.setattr(stacking_services, "RULES_CACHE_SECONDS", 0.3)
    assert mode() == "ALL"
    update_stacking_rules(rules_data={"redeemables_application_mode": "PARTIAL"}, caller=Caller.system("tests"))
    assert mode() == "PARTIAL"

    StackingRules.objects.filter(pk=1).update(redeemables_application_mode="ALL")  # another process's edit
    time.sleep(0.35)
    assert mode() == "ALL"


def test_a_transaction_always_reads_the_rules_it_sees():
    assert mode() == "ALL"  # remembered
    with transaction.atomic():
        StackingRules.objects.filter(pk=1).update(redeemables_application_mode="PARTIAL")
        assert mode() == "PARTIAL"
        transaction.set_rollback(True)
    assert mode() == "ALL"


def test_a_category_saved_in_this_process_is_listed_at_once():
    assert cached_stacking_categories() == []  # remembered
    deals = create_category(caller=Caller.system("tests"), name="Deals", hierarchy=1, stacking_rules_type="EXCLUSIVE")
    assert [c.id for c in cached_stacking_categories()] == [deals.id]
