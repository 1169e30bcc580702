"""Request bodies and list queries of the rewards catalog (``/v1/rewards``, a program's reward assignments)
and of a program's tiers."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictFloat, StrictInt, model_validator

from campaigns.schemas.base import In, Metadata, Ref, Text
from campaigns.schemas.rules import PageQuery
from voucherhub.documented import NOT_SENT, SENT, documented, needs_when
from voucherhub.wire import WholeInt

from .services.points import MAX_POINTS

# The rewards catalog (RewardsApi) and a program's reward assignments.


class RewardCampaignIn(In):
    id: Ref  # a discount or gift campaign, or a loyalty program
    balance: Annotated[WholeInt, Field(ge=1, le=MAX_POINTS)] | None = None  # gift credits or points given


class RewardCoinIn(In):
    exchange_ratio: Annotated[StrictInt | StrictFloat, Field(gt=0, lt=10_000_000)]  # in the currency's units
    # The SDK's request model types it as text; its answer as a number: both are read.
    points_ratio: Annotated[WholeInt, Field(ge=1, le=999_999_999)] | Annotated[str, Field(pattern="^[1-9][0-9]{0,8}$")]


class RewardProductIn(In):
    id: Ref | None = None
    sku_id: Ref | None = None


_ONE_KIND = {
    "oneOf": [
        {
            "required": [kind],
            "properties": {kind: SENT, **{o: NOT_SENT for o in ("campaign", "coin", "product") if o != kind}},
        }
        for kind in ("campaign", "coin", "product")
    ]
}


class RewardParametersIn(In):
    """Exactly one kind: ``campaign``, ``coin`` (pay with points) or ``product`` (a material reward)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_ONE_KIND)

    campaign: RewardCampaignIn | None = None
    coin: RewardCoinIn | None = None
    product: RewardProductIn | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if sum(kind is not None for kind in (self.campaign, self.coin, self.product)) != 1:
            raise ValueError("parameters takes exactly one of campaign, coin and product")
        return self

    def fields(self) -> dict:
        """The Reward fields this kind sets (and clears the others')."""
        fields = {"campaign_ref": None, "balance": None, "exchange_ratio": None, "points_ratio": None,
                  "product_id": "", "sku_id": ""}  # fmt: skip
        if self.campaign is not None:
            return fields | {"type": "CAMPAIGN", "campaign_ref": self.campaign.id, "balance": self.campaign.balance}
        if self.coin is not None:
            ratio = self.coin
            return fields | {
                "type": "COIN",
                "exchange_ratio": ratio.exchange_ratio,
                "points_ratio": int(ratio.points_ratio),
            }
        product = self.product
        return fields | {"type": "MATERIAL", "product_id": product.id or "", "sku_id": product.sku_id or ""}


class RewardAttributesIn(In):
    image_url: Annotated[str, Field(max_length=500, pattern=r"^https?://[^\s\x00]+$")] | None = None
    description: Text(1000) | None = None


class RewardChangeIn(In):
    """``PUT /v1/rewards/{id}``: what is sent changes."""

    name: Text(200, 1) | None = None
    parameters: RewardParametersIn | None = None
    stock: Annotated[WholeInt, Field(ge=0, le=2_000_000_000)] | None = None
    attributes: RewardAttributesIn | None = None
    metadata: Metadata | None = None

    def fields(self) -> dict:
        body = self.model_dump(exclude_none=True, exclude={"parameters", "attributes"})
        if self.parameters is not None:
            body |= self.parameters.fields()
        if self.attributes is not None:
            body |= self.attributes.model_dump(exclude_none=True)
        return body


class RewardIn(RewardChangeIn):
    """``POST /v1/rewards``: a catalog entry."""

    name: Text(200, 1)
    parameters: RewardParametersIn


class RewardListQuery(PageQuery):
    assignment_id: Text(100, 1) | None = None


class RewardLoyaltyCostIn(In):
    points: Annotated[WholeInt, Field(ge=1, le=MAX_POINTS)]
    # Rewards given on their own once a card has the points are not supported: only false is accepted.
    auto_redeem: Literal[False] | None = None


class RewardCostIn(In):
    loyalty: RewardLoyaltyCostIn


NO_VALIDATION_RULES = "validation rules on a reward assignment are not supported"


class RewardAssignmentChangeIn(In):
    """``PUT .../rewards/{assignmentId}`` and ``PUT /v1/rewards/{id}/assignments/{assignmentId}``: its cost."""

    parameters: RewardCostIn


class RewardAssignmentIn(RewardAssignmentChangeIn):
    """``POST /v1/rewards/{id}/assignments``: the reward offered by a program, for its cost in points."""

    campaign: Ref
    validation_rules: Annotated[None, documented(description=NO_VALIDATION_RULES)] = None


class LoyaltyRewardAssignmentIn(RewardAssignmentChangeIn):
    """One item of ``POST /v1/loyalties/{id}/rewards``: a reward of the catalog and its cost in points."""

    reward: Ref
    validation_rules: Annotated[None, documented(description=NO_VALIDATION_RULES)] = None


class LoyaltyRewardAssignmentList(
    RootModel[Annotated[list[LoyaltyRewardAssignmentIn], Field(min_length=1, max_length=50)]]
):
    """The body of ``POST /v1/loyalties/{id}/rewards``: rewards to offer, all or none (the answer is the first)."""


class RewardAssignmentListQuery(PageQuery):
    assignment_id: Text(100, 1) | None = None


class RewardAssignmentCamelQuery(PageQuery):
    """``GET /v1/loyalties/{id}/reward-assignments`` names its filter ``assignmentId``."""

    assignment_id: Text(100, 1) | None = Field(None, alias="assignmentId")


# Tiers (POST /v1/loyalties/{id}/tiers takes a JSON array of them).


class LoyaltyTierMappingIn(In):
    """What a tier changes: ``MULTIPLY`` the points by ``multiplier``, or ``CUSTOM``: ``points`` instead."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "allOf": [needs_when("type", "MULTIPLY", "multiplier"), needs_when("type", "CUSTOM", "points")]
        },
    )

    type: Literal["MULTIPLY", "CUSTOM"]
    multiplier: Annotated[StrictInt | StrictFloat, Field(gt=0, le=1000)] | None = None
    points: Annotated[WholeInt, Field(ge=1, le=MAX_POINTS)] | None = None

    @model_validator(mode="after")
    def _complete(self):
        if self.type == "MULTIPLY" and self.multiplier is None:
            raise ValueError("multiplier is required for a MULTIPLY mapping")
        if self.type == "CUSTOM" and self.points is None:
            raise ValueError("points is required for a CUSTOM mapping")
        return self


class LoyaltyTierPointsIn(In):
    from_: Annotated[WholeInt, Field(ge=0, le=MAX_POINTS, alias="from")]
    to: Annotated[WholeInt, Field(ge=0, le=MAX_POINTS)] | None = None

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


TierMappings = Annotated[dict[Ref, LoyaltyTierMappingIn], Field(max_length=100)]


class LoyaltyTierIn(In):
    """One tier: its name, its range of balances, and what it changes for rules and rewards (by id)."""

    name: Text(200, 1)
    points: LoyaltyTierPointsIn
    earning_rules: TierMappings | None = None
    rewards: TierMappings | None = None
    metadata: Metadata | None = None

    def fields(self) -> dict:
        def plain(mappings):
            return {key: value.model_dump(exclude_none=True) for key, value in (mappings or {}).items()}

        return {
            "name": self.name,
            "points_from": self.points.from_,
            "points_to": self.points.to,
            "earning_rules": plain(self.earning_rules),
            "rewards": plain(self.rewards),
            "metadata": self.metadata or {},
        }


class LoyaltyTierList(RootModel[Annotated[list[LoyaltyTierIn], Field(min_length=1, max_length=50)]]):
    """The body of ``POST /v1/loyalties/{id}/tiers``: the tiers to create, all or none."""


class LoyaltyTierListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=100)] = 10
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at"] | None = None


class LoyaltyMemberRewardsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    affordable_only: bool = False
