"""The Redemptions section's four tabs (SPEC section 5): one list, filtered by what the user may open."""

TABS = [
    ("Redemptions", "redemptions:list", "redemptions.view_redemption"),
    ("Validations", "redemptions:validations", "redemptions.view_validation"),
    ("Sessions", "redemptions:sessions", "validation_sessions.view_validationsession"),
    ("Stacking rules", "stacking:rules", "stacking.view_stackingrules"),
]


def visible_tabs(user) -> list[dict]:
    """The tabs this user may open, as templates/partials/tabs.html expects them."""
    return [{"label": label, "url_name": url_name} for label, url_name, perm in TABS if user.has_perm(perm)]
