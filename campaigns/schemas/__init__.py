"""Request shapes of the /v1/ campaign endpoints, parsed by pydantic through ninja.

Unknown fields are ignored and ``null`` means "absent", as the platform does (the official SDK sends explicit
nulls). Types are strict where the platform's are (an amount is a JSON number, a flag a JSON boolean), and
every value is bounded so that nothing reaching the database can overflow a column: a bad body is a 400
``invalid_payload``, never a 500. Money is integer minor units; ``percent_off`` and friends may be floats.

One module per area: ``base`` (scalar types and shared objects), ``vouchers`` (vouchers, campaigns, tiers),
``customers`` (segments; a customer's own bodies are customers.schemas), ``publications``, ``rules`` (validation rules,
categories, list query strings). Rules that span fields are stated in the OpenAPI document with voucherhub.documented.
"""

from .customers import SegmentIn
from .publications import JoinOnceQuery, PublicationIn, PublicationListQuery
from .rules import (
    AssignmentIn,
    AssignmentListQuery,
    BinListQuery,
    CampaignListQuery,
    CategoryIn,
    CategoryUpdateIn,
    ForceQuery,
    PageQuery,
    RuleListQuery,
    TierListQuery,
    TransactionListQuery,
    ValidationRuleIn,
    ValidationRuleUpdateIn,
    VoucherListQuery,
    VouchersCountQuery,
)
from .vouchers import (
    BalanceIn,
    CampaignIn,
    CampaignUpdateIn,
    CampaignVouchersIn,
    TierIn,
    TierUpdateIn,
    VoucherIn,
    VoucherUpdateIn,
)

__all__ = [
    "AssignmentIn",
    "AssignmentListQuery",
    "BinListQuery",
    "BalanceIn",
    "CampaignIn",
    "CampaignListQuery",
    "CampaignUpdateIn",
    "CampaignVouchersIn",
    "CategoryIn",
    "CategoryUpdateIn",
    "ForceQuery",
    "JoinOnceQuery",
    "PageQuery",
    "PublicationIn",
    "PublicationListQuery",
    "RuleListQuery",
    "SegmentIn",
    "TierIn",
    "TierListQuery",
    "TransactionListQuery",
    "TierUpdateIn",
    "ValidationRuleIn",
    "ValidationRuleUpdateIn",
    "VoucherIn",
    "VoucherListQuery",
    "VouchersCountQuery",
    "VoucherUpdateIn",
]
