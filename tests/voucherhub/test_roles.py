"""Each role is a group with exactly the permissions README's Roles table gives it.

The expected sets are written out here on purpose (not imported from voucherhub.roles), so that a
change to the roles module that breaks the spec fails this test.
"""

import pytest
from django.contrib.auth.models import Group

# role_groups: the groups as the migration makes them, even after a transactional test of this worker flushed them
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

BROWSE = {
    "campaigns.view_campaign",
    "campaigns.view_voucher",
    "campaigns.view_promotiontier",
    "campaigns.view_order",
    "campaigns.view_segment",
    "campaigns.view_validationrule",
    "campaigns.view_validationruleassignment",
    "campaigns.view_vouchertransaction",
    "campaigns.view_publication",
    "redemptions.view_redemption",
    "redemptions.view_rollback",
    "redemptions.view_validation",
    "validation_sessions.view_validationsession",
    "validation_sessions.view_sessionlock",
    "stacking.view_stackingrules",
    "stacking.view_category",
    "auditlog.view_requestlog",
    "auditlog.view_event",
    "loyalty.view_loyaltycard",
    "loyalty.view_pointstransaction",
    "loyalty.view_earningrule",
    "loyalty.view_pendingpoints",
    "loyalty.view_reward",
    "loyalty.view_rewardassignment",
    "loyalty.view_loyaltytier",
    "loyalty.view_pointsbucket",
    "referrals.view_referral",
    "referrals.view_referrer",
    "referrals.view_referraltier",
    "referrals.view_referralreward",
}
EXPORT = {"exports.add_export", "exports.view_export"}
ADMIN_ONLY = {
    "redemptions.rollback_redemption",
    "loyalty.change_loyaltycard",
    "loyalty.change_earningrule",
    "loyalty.change_pendingpoints",
    "referrals.add_referraltier",
    "referrals.delete_referraltier",
    "redemptions.view_customer",
    "campaigns.view_customer",
    "validation_sessions.release_session",
    "stacking.change_stackingrules",
    "stacking.add_category",
    "stacking.change_category",
    "stacking.delete_category",
    "voucherhub.view_apikey",
    "voucherhub.add_apikey",
    "voucherhub.change_apikey",
    "outbound.view_webhook",
    "outbound.add_webhook",
    "outbound.change_webhook",
    "outbound.delete_webhook",
    "outbound.change_distribution",
}


def permissions_of(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_the_three_roles_exist_after_migrating():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Marketer", "Admin", "Staff"}


def test_marketer_browses_everything_reads_the_audit_log_and_exports():
    assert permissions_of("Marketer") == BROWSE | EXPORT


def test_admin_has_marketer_rights_plus_rollback_release_stacking_customers_and_api_keys():
    assert permissions_of("Admin") == BROWSE | EXPORT | ADMIN_ONLY


def test_staff_only_browses_redemptions_and_exports():
    assert permissions_of("Staff") == {"redemptions.view_redemption"} | EXPORT


def test_a_marketer_user_can_neither_roll_back_nor_see_customers(role_user):
    marketer = role_user("Marketer")
    assert marketer.has_perm("redemptions.view_redemption")
    assert not marketer.has_perm("redemptions.rollback_redemption")
    assert not marketer.has_perm("redemptions.view_customer")
    admin = role_user("Admin")
    assert admin.has_perm("redemptions.rollback_redemption")
    assert admin.has_perm("validation_sessions.release_session")
