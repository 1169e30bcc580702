"""Every /v1/ answer's bytes: ninja's JSON renderer, with its content type and charset; a page of a list."""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

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
