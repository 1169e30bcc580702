"""Object ids in the platform's style: a prefix and a time-sortable hex body (``r_0c5e89b945d33b9c02``).

The body is 12 hex digits of milliseconds since the epoch followed by 10 random hex digits, so ids
sort by creation time (handy for keyset pagination and COPY loads) and cannot be guessed.
"""

import secrets
import time

PREFIXES = {
    "campaign": "camp_",
    "voucher": "v_",
    "customer": "cust_",
    "order": "ord_",
    "redemption": "r_",
    "redemption_failed": "rf_",
    "rollback": "rr_",
    "rollback_failed": "rrf_",
    "validation": "valid_",
    "session": "ssn_",
    "validation_rule": "val_",
    "assignment": "asgm_",
    "category": "cat_",
    "promotion_tier": "promo_",
    "export": "exp_",
    "segment": "seg_",
    "tracking": "track_",
    "event": "evt_",
    "transaction": "vtx_",
    "api_key": "key_",
    "stacking_rules": "stk_",
    "notification": "ntf_",
    "publication": "pub_",
    "promotion_stack": "stack_",
    "earning_rule": "ern_",
    "pending_points": "lpp_",
    "reward": "rew_",
    "reward_assignment": "rewa_",
    "loyalty_tier": "ltr_",
    "points_bucket": "lpb_",
    "referral": "rfl_",
    "referrer": "rfr_",
    "referral_tier": "rft_",
    "referral_reward": "rfw_",
    "redeemable_holder": "rh_",
    "webhook": "wh_",
}

ID_LENGTH = 40  # max_length of every id column: the longest prefix plus 22 hex digits fits easily


def new_id(prefix: str, *, at_ms: int | None = None) -> str:
    """A new id with ``prefix``; ``at_ms`` pins the time part (bulk loaders of historic rows)."""
    millis = int(time.time() * 1000) if at_ms is None else at_ms
    return f"{prefix}{millis:012x}{secrets.token_hex(5)}"


def new_request_id(*, at_ms: int | None = None) -> str:
    """The id returned in errors and the X-Request-Id header (``v-`` + hex, as the platform)."""
    return new_id("v-", at_ms=at_ms)


def id_default(prefix: str):
    """A field default producing ids with ``prefix`` (a named function so migrations can refer to it)."""
    return _DEFAULTS[prefix]


def _make_default(prefix: str):
    def default() -> str:
        return new_id(prefix)

    default.__name__ = "new_" + prefix.rstrip("_").replace("-", "_") + "_id"
    default.__qualname__ = default.__name__
    return default


_DEFAULTS = {prefix: _make_default(prefix) for prefix in PREFIXES.values()}
# Module-level names so that migrations can serialize the defaults (voucherhub.ids.new_camp_id, ...).
globals().update({fn.__name__: fn for fn in _DEFAULTS.values()})
