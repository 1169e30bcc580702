"""Every /v1/ answer's bytes: ninja's JSON renderer, with its content type and charset; a page of a list."""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

from voucherhub.errors import not_found

_renderer = JSONRenderer()
CONTENT_TYPE = f"{_renderer.media_type}; charset={_renderer.charset}"


def json_response(body, *, status: int) -> HttpResponse:
    """``body`` rendered as the API renders every answer, with ``status``."""
    return HttpResponse(_renderer.render(None, body, response_status=status), status=status, content_type=CONTENT_TYPE)


def offset_page(queryset, *, offset: int, limit: int) -> tuple[list, int]:
    """One page of a list call that pages by ``page`` and ``limit``, and the total (not counted again when
    a partial page already tells it)."""
    items = list(queryset[offset : offset + limit])
    if items and len(items) < limit:
        return items, offset + len(items)
    return items, queryset.count()


def cursor_page(
    queryset, *, limit: int, starting_after_id: str | None, serialize, resource: str, ascending: bool = False
) -> dict:
    """One page of ``queryset`` ordered by id (newest first unless ``ascending``): ``limit`` rows after the
    ``starting_after_id`` cursor (404 naming ``resource`` when it is none of them), as the platform's cursor
    lists answer: ``has_more`` and ``more_starting_after``."""
    rows = queryset.order_by("id" if ascending else "-id")
    if starting_after_id:
        if not rows.filter(pk=starting_after_id).exists():
            raise not_found(resource, starting_after_id, label=resource.replace("_", " "))
        rows = rows.filter(**{"pk__gt" if ascending else "pk__lt": starting_after_id})
    page = list(rows[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    return {
        "object": "list",
        "data_ref": "data",
        "data": [serialize(row) for row in page],
        "has_more": has_more,
        "more_starting_after": page[-1].id if has_more else None,
    }
