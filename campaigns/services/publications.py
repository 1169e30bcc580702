"""Publications: codes given to customers (``POST /v1/publications``).

A publication names a voucher by its code, or asks a campaign for its next free codes: the oldest vouchers
without a holder, claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` and a conditional ``UPDATE`` (holder
still empty), so two publications running at once never get the same code, on PostgreSQL or on SQLite
(which serialises writers; the conditional update catches a code taken between the read and the write).
The voucher's holder becomes the customer. A campaign with no free code left keeps a FAILURE publication
(``no_voucher_suitable_for_publication``) and the call answers that error. Events: ``publication.succeeded``
and ``publication.failed``, in the customer's activity.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from auditlog.services import record_event
from voucherhub.caller import Caller
from voucherhub.errors import DomainError

from .. import queries
from ..models import Campaign, Customer, Publication, Voucher
from .customers import upsert_customer
from .requests import PublicationRequest

CLAIM_ATTEMPTS = 5  # reads of free codes before a campaign is judged to have too few (each claim races)


@dataclass
class PublicationOutcome:
    publication: Publication
    vouchers: list[Voucher]
    error: DomainError | None = None  # a FAILURE publication, committed: the API answers this error


class _TooFewCodes(Exception):
    """Rolls back the codes claimed so far when the campaign has fewer free ones than asked."""


def publish(request: PublicationRequest, *, caller: Caller) -> PublicationOutcome:
    """Publish, or answer the publication already made for this ``source_id`` (or, with ``join_once``, for
    this customer and campaign). Refusals before anything is stored (an unknown campaign or voucher, a voucher
    held by someone else) raise; a campaign out of free codes commits a FAILURE and returns its error."""
    with transaction.atomic():
        if request.source_id and (earlier := _earlier(source_id=request.source_id)):
            return earlier
        customer = upsert_customer(**dict(request.customer), caller=caller)
        now = timezone.now()
        if request.voucher:
            campaign, vouchers = None, [_claim_code(request.voucher, customer, now)]
        else:
            campaign = queries.find_campaign(request.campaign or "")
            if request.join_once and (earlier := _earlier(customer=customer, campaign=campaign)):
                return earlier
            try:
                with transaction.atomic():
                    vouchers = _claim_free(campaign, customer, request.count, now)
                    if len(vouchers) < request.count:
                        raise _TooFewCodes
            except _TooFewCodes:
                return _failed(request, customer, campaign, caller, now)
        try:
            with transaction.atomic():
                publication = _store(request, customer, campaign or vouchers[0].campaign, vouchers, caller, now)
        except IntegrityError:
            # Another call with this source_id won the race: its publication is the answer, and the codes
            # claimed here go back.
            earlier = _earlier(source_id=request.source_id) if request.source_id else None
            if earlier is None:
                raise
            transaction.set_rollback(True)
            return earlier
    return PublicationOutcome(publication, vouchers)


def _earlier(**lookup) -> PublicationOutcome | None:
    found = Publication.objects.filter(result=Publication.Result.SUCCESS, **lookup).order_by("created_at").first()
    if found is None:
        return None
    return PublicationOutcome(found, list(found.vouchers.select_related("campaign", "category").order_by("code")))


def _claim_code(code: str, customer: Customer, now: datetime) -> Voucher:
    voucher = queries.find_voucher(code, for_update=True)
    if voucher.holder_id not in (None, customer.pk):
        raise DomainError(
            "voucher_already_published",
            "Voucher already published",
            f"Voucher {voucher.code} is published to another customer",
            resource_id=voucher.code,
            resource_type="voucher",
        )
    if voucher.holder_id is None:
        voucher.holder = customer
        voucher.save(update_fields=["holder", "updated_at"])
    return voucher


def _claim_free(campaign: Campaign, customer: Customer, count: int, now: datetime) -> list[Voucher]:
    """Up to ``count`` of the campaign's oldest free codes, now the customer's (index voucher_unpublished_idx)."""
    claimed: list[Voucher] = []
    for _ in range(CLAIM_ATTEMPTS):
        free = list(
            Voucher.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(campaign=campaign, holder__isnull=True, deleted_at__isnull=True, active=True)
            .filter(Q(expiration_date__isnull=True) | Q(expiration_date__gt=now))
            .exclude(pk__in=[v.pk for v in claimed])
            .order_by("created_at", "id")[: count - len(claimed)]
        )
        if not free:
            break
        for voucher in free:
            if Voucher.objects.filter(pk=voucher.pk, holder__isnull=True).update(holder=customer, updated_at=now):
                voucher.holder, voucher.campaign = customer, campaign
                claimed.append(voucher)
        if len(claimed) == count:
            break
    return claimed


def _store(
    request: PublicationRequest,
    customer: Customer,
    campaign: Campaign | None,
    vouchers: list[Voucher],
    caller: Caller,
    now: datetime,
) -> Publication:
    publication = Publication.objects.create(
        created_at=now,
        customer=customer,
        campaign=campaign,
        codes=[v.code for v in vouchers],
        source_id=request.source_id,
        channel=request.channel,
        channel_type=caller.channel_type,
        channel_id=caller.channel_id,
        metadata=dict(request.metadata or {}),
    )
    publication.vouchers.set(vouchers)
    _event("publication.succeeded", publication, caller, codes=publication.codes)
    return publication


def _failed(
    request: PublicationRequest, customer: Customer, campaign: Campaign, caller: Caller, now: datetime
) -> PublicationOutcome:
    """The FAILURE publication (no code claimed), and why."""
    error = DomainError(
        "no_voucher_suitable_for_publication",
        "Couldn't find any voucher suitable for publication.",
        f"Campaign {campaign.name} has fewer than {request.count} free codes",
        resource_id=campaign.pk,
        resource_type="campaign",
    )
    publication = Publication.objects.create(
        created_at=now,
        customer=customer,
        campaign=campaign,
        channel=request.channel,
        channel_type=caller.channel_type,
        channel_id=caller.channel_id,
        metadata=dict(request.metadata or {}),
        result=Publication.Result.FAILURE,
        failure_code=error.key,
        failure_message=error.message,
    )
    _event("publication.failed", publication, caller, failure_code=error.key, count=request.count)
    return PublicationOutcome(publication, [], error)


def _event(event_type: str, publication: Publication, caller: Caller, **data) -> None:
    record_event(
        event_type,
        caller=caller,
        resource_type="publication",
        resource_id=publication.pk,
        campaign_id=publication.campaign_id or "",
        customer_id=publication.customer_id or "",
        data={"publication_id": publication.pk, "source_id": publication.source_id, **data},
        occurred_at=publication.created_at,
    )
