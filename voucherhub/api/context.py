"""What an endpoint knows about its call: who is calling, the request id, and answers with a status of
their own (a stored failure answered after its transaction committed)."""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

from voucherhub.caller import Caller
from voucherhub.ids import new_request_id

_renderer = JSONRenderer()


def request_id_of(request) -> str:
    """The call's id, set by the audit middleware; made here when the middleware did not run."""
    if not getattr(request, "request_id", None):
        request.request_id = new_request_id()
    return request.request_id


def caller_of(request) -> Caller:
    """The Caller that services receive for an authenticated /v1/ call."""
    return Caller.for_api_key(request.auth, request_id_of(request))


def json_response(request, body, *, status: int) -> HttpResponse:
    """``body`` rendered as the API renders every answer, with ``status``."""
    content = _renderer.render(request, body, response_status=status)
    return HttpResponse(content, status=status, content_type=f"{_renderer.media_type}; charset={_renderer.charset}")
