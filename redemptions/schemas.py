"""Request bodies of /v1/validations, /v1/redemptions and rollbacks.

Unknown fields are ignored and ``null`` means absent. Numbers are strict (``"100"`` is not an amount) and
bounded, so a body the database could not hold is a 400, never a 500. Some values are deliberately let
through so that the engine can report them as a redeemable's failure and store the attempt: a negative
order amount (``invalid_amount``), an order line with quantity 0 (``invalid_order``), and a malformed
``gift`` (``invalid_payload``).

Plain pydantic models rather than ninja's ``Schema``: a Schema reads any value's attributes, so ``"customer":
"bob"`` would pass as an empty customer.
"""

from collections.abc import Mapping
from dataclasses import asdict
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from sessions.models import DEFAULT_TTL_UNIT, MIN_TTL, TtlUnit, max_ttl
from stacking.checks import GiftRequest
from voucherhub.documented import NOT_SENT, SENT
from voucherhub.wire import MAX_ORDER_AMOUNT as MAX_AMOUNT
from voucherhub.wire import WholeInt, unstorable

from .orders import OrderItemRequest, OrderRequest
from .services.requests import (
    CustomerInput,
    PointsRequest,
    RedeemableRef,
    RollbackRequest,
    SessionRequest,
    StackRequest,
)

Money = Annotated[WholeInt, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
Quantity = Annotated[WholeInt, Field(ge=-1_000_000_000, le=1_000_000_000)]
Id = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Text = Annotated[StrictStr, Field(max_length=200)]
Price = Annotated[StrictInt | StrictFloat, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
Metadata = dict[str, Any]


class _Storable(BaseModel):
    """Refuse anywhere in the body what the database could not store (a 400, never a 500 later)."""

    @model_validator(mode="before")
    @classmethod
    def _refuseunstorable(cls, data: Any) -> Any:
        if unstorable(data):
            raise ValueError("text must be valid Unicode without NUL characters")
        return data


class RedeemableIn(BaseModel):
    object: Literal["voucher", "promotion_tier", "promotion_stack"]  # a stack stands for its tiers
    id: Annotated[StrictStr, Field(min_length=1, max_length=100)]  # the longest voucher code
    gift: Any = Field(None, description="{credits: int} for gift cards; checked per redeemable (invalid_payload)")
    reward: Any = Field(None, description="{id, points} for a loyalty card paying with its points (a COIN reward)")

    def to_ref(self) -> RedeemableRef:
        return RedeemableRef(self.object, self.id, gift=_gift(self.gift), reward=_points(self.reward))


def _points(reward: Any) -> PointsRequest | None:
    """A loyalty card's ``reward`` as the engine takes it: a malformed one is the redeemable's failure."""
    if reward is None:
        return None
    if not isinstance(reward, Mapping) or not isinstance(reward.get("id"), str) or not reward["id"]:
        return PointsRequest(problem="reward should be an object with the id of a pay-with-points reward")
    points = reward.get("points")
    if points is not None and (isinstance(points, bool) or not isinstance(points, int) or points < 1):
        return PointsRequest(problem="reward.points should be a positive integer")
    return PointsRequest(reward_id=reward["id"], points=points)


def _gift(gift: Any) -> GiftRequest | None:
    """A ``gift`` as the engine takes it: a malformed one is the redeemable's failure, not a 400."""
    if gift is None:
        return None
    if not isinstance(gift, Mapping):
        return GiftRequest(problem="gift should be an object")
    credits = gift.get("credits")
    if credits is None:
        return GiftRequest()
    if isinstance(credits, bool) or not isinstance(credits, int) or credits < 0:
        return GiftRequest(problem="gift.credits should be a non-negative integer")
    return GiftRequest(credits=credits)


class ProductIn(BaseModel):
    id: Text | None = None
    source_id: Text | None = None
    name: Annotated[StrictStr, Field(max_length=500)] | None = None
    price: Price | None = None
    override: StrictBool | None = None
    metadata: Metadata | None = None


class SkuIn(BaseModel):
    id: Text | None = None
    source_id: Text | None = None
    sku: Annotated[StrictStr, Field(max_length=500)] | None = None
    price: Price | None = None
    override: StrictBool | None = None
    metadata: Metadata | None = None


class OrderItemIn(BaseModel):
    source_id: Text | None = None
    product_id: Text | None = None
    sku_id: Text | None = None
    related_object: Literal["product", "sku"] | None = None
    quantity: Quantity | None = None
    price: Money | None = None
    amount: Money | None = None
    product: ProductIn | None = None
    sku: SkuIn | None = None
    metadata: Metadata | None = None

    def to_request(self) -> OrderItemRequest:
        return OrderItemRequest(
            source_id=self.source_id,
            product_id=self.product_id,
            sku_id=self.sku_id,
            related_object=self.related_object,
            quantity=self.quantity,
            price=self.price,
            amount=self.amount,
            product=self.product.model_dump(exclude_none=True) if self.product is not None else None,
            sku=self.sku.model_dump(exclude_none=True) if self.sku is not None else None,
            metadata=self.metadata,
        )


class OrderIn(BaseModel):
    id: Id | None = None
    source_id: Id | None = None
    status: Literal["CREATED", "PAID", "CANCELED", "FULFILLED"] | None = None
    amount: Money | None = None
    items: Annotated[list[OrderItemIn], Field(max_length=1000)] | None = None
    metadata: Metadata | None = None

    def to_request(self) -> OrderRequest:
        return OrderRequest(
            id=self.id,
            source_id=self.source_id,
            status=self.status,
            amount=self.amount,
            items=tuple(item.to_request() for item in self.items) if self.items is not None else None,
            metadata=self.metadata,
        )


class StackCustomerIn(BaseModel):
    """The customer of a call, found or created by its id or source_id; one sent with a name or an e-mail
    needs either (an object with none of the four names no one)."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                *({"required": [key], "properties": {key: SENT}} for key in ("id", "source_id")),
                {"properties": {"name": NOT_SENT, "email": NOT_SENT}},
            ]
        }
    )

    id: Id | None = None
    source_id: Id | None = None
    name: Text | None = None
    email: Annotated[StrictStr, Field(max_length=254)] | None = None
    description: Annotated[StrictStr, Field(max_length=5000)] | None = None
    phone: Text | None = None
    birthdate: Text | None = None
    birthday: Text | None = None
    address: Any = None
    metadata: Metadata | None = None

    def to_input(self) -> CustomerInput:
        return CustomerInput(
            id=self.id,
            source_id=self.source_id,
            name=self.name,
            email=self.email,
            description=self.description,
            metadata=self.metadata,
        )


def _lifetime_bounds() -> dict:
    """JSON Schema for the longest ttl in each unit (a ttl without a unit is in days)."""
    return {
        "allOf": [
            {
                "if": {"properties": {"ttl_unit": {"enum": [unit, None] if unit == DEFAULT_TTL_UNIT else [unit]}}},
                "then": {"properties": {"ttl": {"anyOf": [{"type": "null"}, {"maximum": float(max_ttl(unit))}]}}},
            }
            for unit in TtlUnit.values
        ]
    }


class _NamesItsCustomer(BaseModel):
    """A body whose customer, when it names anyone (a name or an e-mail), is found by id or source_id."""

    @model_validator(mode="after")
    def _customer_is_someone(self):
        customer = getattr(self, "customer", None)
        if customer is not None and customer.to_input().given and not (customer.id or customer.source_id):
            raise ValueError("customer needs an id or a source_id")
        return self


class SessionIn(BaseModel):
    """A LOCK session. It lives at most 36,500 days, so the longest ttl depends on its unit (in days when
    ttl_unit is not given); the smallest is 1e-9."""

    model_config = ConfigDict(json_schema_extra=_lifetime_bounds())

    type: Literal["LOCK"] | None = None
    key: Id | None = None
    ttl: Annotated[StrictInt | StrictFloat, Field(ge=float(MIN_TTL), lt=10**15)] | None = None
    ttl_unit: Literal["DAYS", "HOURS", "MINUTES", "SECONDS", "MILLISECONDS", "MICROSECONDS", "NANOSECONDS"] | None = (
        None
    )

    def to_request(self) -> SessionRequest:
        return SessionRequest(key=self.key or None, lock=self.type == "LOCK", ttl=self.ttl, ttl_unit=self.ttl_unit)


class StackIn(_Storable):
    """``POST /v1/validations`` and ``POST /v1/redemptions``."""

    redeemables: Annotated[
        list[RedeemableIn],
        Field(min_length=1, max_length=30, json_schema_extra={"uniqueItems": True}),  # unique by object and id
    ]
    order: OrderIn | None = None
    customer: StackCustomerIn | None = None
    session: SessionIn | None = None
    tracking_id: Text | None = None
    metadata: Metadata | None = None
    options: Any = None

    def to_request(self) -> StackRequest:
        return StackRequest(
            redeemables=tuple(item.to_ref() for item in self.redeemables),
            order=self.order.to_request() if self.order is not None else None,
            customer=self.customer.to_input() if self.customer is not None else None,
            session=self.session.to_request() if self.session is not None else None,
            tracking_id=self.tracking_id,
            metadata=self.metadata or {},
        )


class RollbackIn(_NamesItsCustomer, _Storable):
    """The optional body of the rollback endpoints; ``reason`` and ``tracking_id`` travel in the query."""

    reason: Annotated[StrictStr, Field(max_length=500)] | None = None
    tracking_id: Text | None = None
    customer: StackCustomerIn | None = None
    order: OrderIn | None = None
    metadata: Metadata | None = None

    def to_request(
        self, redemption_id: str, *, reason: str | None, tracking_id: str | None, stacked: bool
    ) -> RollbackRequest:
        """The rollback of ``redemption_id``; ``reason`` and ``tracking_id`` from the query win over the body's."""
        return RollbackRequest(
            redemption_id=redemption_id,
            reason=reason if reason is not None else self.reason,
            tracking_id=tracking_id if tracking_id is not None else self.tracking_id,
            customer=self.customer.to_input() if self.customer is not None else None,
            order=self.order.to_request() if self.order is not None else None,
            metadata=self.metadata or {},
            stacked=stacked,
        )


class OrderLineIn(OrderItemIn):
    """An order line of an order of its own (``/v1/orders``): no redemption is there to record a malformed
    line as its failure, so the line is refused as the engine would (``invalid_order``), and said so here."""

    quantity: Annotated[WholeInt, Field(ge=1, le=1_000_000_000)] | None = None
    price: Annotated[WholeInt, Field(ge=0, le=MAX_AMOUNT)] | None = None
    amount: Annotated[WholeInt, Field(ge=0, le=MAX_AMOUNT)] | None = None


OrderLines = Annotated[list[OrderLineIn], Field(max_length=1000)]


class OrderCreateIn(OrderIn):
    """``POST /v1/orders``: an order of its own (an upsert by ``source_id``), with its customer and the
    order-level discount it already has. ``initial_amount`` and ``created_at`` are read from the items and
    the clock."""

    items: OrderLines | None = None
    customer: StackCustomerIn | None = None
    discount_amount: Money | None = None


class OrderImportIn(_NamesItsCustomer, OrderCreateIn):
    """One order of ``POST /v1/orders/import``: as ``POST /v1/orders`` takes it (an upsert by source_id)."""

    def stored(self) -> dict:
        """As JSON the import's worker reads back (redemptions.services.orders.import_order)."""
        customer = asdict(self.customer.to_input()) if self.customer is not None else None
        return {"order": self.to_request().stored(), "customer": customer, "discount_amount": self.discount_amount}


MAX_IMPORTED_ORDERS = 2000  # the platform's limit on one import


class OrderImportList(RootModel[Annotated[list[OrderImportIn], Field(min_length=1, max_length=MAX_IMPORTED_ORDERS)]]):
    """The body of ``POST /v1/orders/import``: a JSON array of orders."""


class OrderUpdateIn(BaseModel):
    """``PUT /v1/orders/{id}``: what is sent overwrites; items replace the stored lines."""

    status: Literal["CREATED", "PAID", "CANCELED", "FULFILLED"] | None = None
    amount: Money | None = None
    discount_amount: Money | None = None
    items: OrderLines | None = None
    metadata: Metadata | None = None
    customer: StackCustomerIn | None = None

    def to_request(self) -> OrderRequest:
        return OrderIn(status=self.status, amount=self.amount, items=self.items, metadata=self.metadata).to_request()


class OrderListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=100)] = 10
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    order: Literal["created_at", "-created_at", "updated_at", "-updated_at"] = "-created_at"

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class PromotionsValidationIn(_NamesItsCustomer):
    """``POST /v1/promotions/validation``: the order (its amount, or its items' sum) and the customer (by
    source_id) the promotion tiers are checked for."""

    customer: StackCustomerIn | None = None
    order: OrderIn | None = None
    metadata: Metadata | None = None


class RewardRedemptionRewardIn(_Storable):
    id: Id
    points: Annotated[WholeInt, Field(ge=1, le=10**12)] | None = None  # when sent, what the reward costs


class RewardRedemptionIn(_Storable):
    """``POST /v1/loyalties/members/{memberId}/redemption``: the reward a card's points pay for."""

    reward: RewardRedemptionRewardIn
    # An order is what COIN (pay with points) rewards pay part of; they are not redeemed on their own.
    order: Annotated[None, Field(description="Not supported: rewards redeemed here pay no order")] = None
    metadata: Metadata | None = None
