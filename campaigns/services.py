"""State changes of campaigns, vouchers and customers. Each function is one transaction."""

from django.db import IntegrityError, transaction

from voucherhub.errors import ApiError, not_found

from .models import Customer


def upsert_customer(
    *,
    id: str | None = None,
    source_id: str | None = None,
    name: str | None = None,
    email: str | None = None,
    description: str | None = None,
    metadata: dict | None = None,
) -> Customer:
    """The customer a call refers to: by ``id``, else by ``source_id`` (created on first sight).

    Given fields overwrite stored ones; ``metadata`` is merged key by key. Safe under concurrency:
    two calls creating the same source_id end with one row. Raises ApiError 404 for an unknown id.
    """
    fields = {k: v for k, v in {"name": name, "email": email, "description": description}.items() if v is not None}
    with transaction.atomic():
        if id:
            customer = Customer.objects.select_for_update().filter(pk=id).first()
            if customer is None:
                raise not_found("customer", id)
        elif source_id:
            customer = Customer.objects.select_for_update().filter(source_id=source_id).first()
            if customer is None:
                try:
                    with transaction.atomic():
                        return Customer.objects.create(source_id=source_id, metadata=metadata or {}, **fields)
                except IntegrityError:
                    customer = Customer.objects.select_for_update().get(source_id=source_id)
        else:
            raise ApiError(400, "invalid_customer", "Invalid customer", "Customer needs an id or a source_id")
        changed = False
        for key, value in fields.items():
            if getattr(customer, key) != value:
                setattr(customer, key, value)
                changed = True
        if metadata:
            merged = {**customer.metadata, **metadata}
            if merged != customer.metadata:
                customer.metadata = merged
                changed = True
        if changed:
            customer.save()
        return customer
