"""The three roles (README, "Roles") as Django groups and their permissions.

Views check permissions, never these group names. The data migration ``voucherhub.0002_roles`` applies
this table; change a role by adding a migration that calls ``sync_roles`` again.
"""

MARKETER = "Marketer"
ADMIN = "Admin"
STAFF = "Staff"

_BROWSE = [
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
]
_EXPORT = ["exports.add_export", "exports.view_export"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # browse and filter every tab, open details, read the audit log, export what they see
    MARKETER: _BROWSE + _EXPORT,
    # all of Marketer, plus the actions and customer data
    ADMIN: _BROWSE
    + _EXPORT
    + [
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
    ],
    # request exports and download their own; browse the Redemptions tab
    STAFF: ["redemptions.view_redemption", *_EXPORT],
}


def sync_roles(apps, schema_editor=None) -> None:
    """Create the groups and give each exactly the permissions above (usable from migrations)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran (post_migrate); make sure they exist.
    # create_permissions skips app configs without a models module, which is how a migration's
    # historical apps look; pretend for the call and put the original back (this also runs on the
    # real registry, from tests).
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        try:
            create_permissions(app_config, verbosity=0, apps=apps)
        finally:
            app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found is None and not _model_exists(apps, app_label, codename):
                continue  # a model a later migration creates; the migration granting it runs after that one
            permissions.append(found or Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def _model_exists(apps, app_label: str, codename: str) -> bool:
    """Whether the model a default permission (``view_loyaltycard``) is about exists at this migration."""
    action, _, model_name = codename.partition("_")
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return action not in ("view", "add", "change", "delete")
    return True
