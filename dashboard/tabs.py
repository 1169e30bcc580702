"""The dashboard's sections and each section's tabs, as data: (label, URL name, the permission that opens it).

The top bar lists ``SECTIONS`` (dashboard.context_processors); a section page shows the tabs of its
section from ``SECTION_TABS`` (dashboard.lists.SectionPageMixin). A tab is listed once, here, whichever
app serves it; a user sees only the tabs they may open, and the views answer 403 all the same.
"""

SECTIONS = [
    ("Campaigns", "campaigns:list", "campaigns.view_campaign"),
    ("Redemptions", "redemptions:list", "redemptions.view_redemption"),
    ("Customers", "customers:list", "redemptions.view_customer"),
    ("Audit log", "auditlog:logs", "auditlog.view_requestlog"),
]

SECTION_TABS = {
    "Campaigns": [
        ("Campaigns", "campaigns:list", "campaigns.view_campaign"),
        ("Calendar", "campaigns:calendar", "campaigns.view_campaign"),
    ],
    # The Redemptions section's four tabs.
    "Redemptions": [
        ("Redemptions", "redemptions:list", "redemptions.view_redemption"),
        ("Validations", "redemptions:validations", "redemptions.view_validation"),
        ("Sessions", "redemptions:sessions", "validation_sessions.view_validationsession"),
        ("Stacking rules", "stacking:rules", "stacking.view_stackingrules"),
    ],
    # Personal data: the Admin role's (redemptions.view_customer and campaigns.view_customer).
    "Customers": [
        ("Customers", "customers:list", "redemptions.view_customer"),
    ],
    "Audit log": [
        ("Logs", "auditlog:logs", "auditlog.view_requestlog"),
        ("Events", "auditlog:events", "auditlog.view_event"),
        ("Exports", "exports:list", "exports.view_export"),  # served by the exports app
    ],
    # Reached from the user menu: each user's preferences, and for Admins the API keys (the apikeys app).
    "Settings": [
        ("Preferences", "dashboard:settings", ""),
        ("API keys", "apikeys:list", "voucherhub.view_apikey"),
        ("Webhooks", "outbound:list", "outbound.view_webhook"),
    ],
}


def visible_tabs(section: str, user) -> list[dict]:
    """The tabs of ``section`` this user may open, as templates/dashboard/tabs.html expects them."""
    return [
        {"label": label, "url_name": url_name}
        for label, url_name, perm in SECTION_TABS.get(section, ())
        if not perm or user.has_perm(perm)
    ]


def may_open_section(section: str, user) -> bool:
    """Whether the top bar offers ``section`` to this user. A page of a section they cannot open (Staff's
    Exports tab, under the Audit log) is named by its own title instead."""
    return any(label == section and user.has_perm(perm) for label, _, perm in SECTIONS)
