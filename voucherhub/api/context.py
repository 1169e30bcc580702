"""What an endpoint knows about its call: who is calling and the request id."""

from voucherhub.caller import Caller
from voucherhub.ids import new_request_id


def request_id_of(request) -> str:
    """The call's id, set by the audit middleware; made here when the middleware did not run."""
    if not getattr(request, "request_id", None):
        request.request_id = new_request_id()
    return request.request_id


def caller_of(request) -> Caller:
    """The Caller that services receive for an authenticated /v1/ call."""
    return Caller.for_api_key(request.auth, request_id_of(request))
