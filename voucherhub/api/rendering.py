"""Every /v1/ answer's bytes: ninja's JSON renderer, with its content type and charset."""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

_renderer = JSONRenderer()
CONTENT_TYPE = f"{_renderer.media_type}; charset={_renderer.charset}"


def json_response(body, *, status: int) -> HttpResponse:
    """``body`` rendered as the API renders every answer, with ``status``."""
    return HttpResponse(_renderer.render(None, body, response_status=status), status=status, content_type=CONTENT_TYPE)
