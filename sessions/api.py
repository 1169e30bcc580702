"""/v1/ endpoints of validation sessions (voucherhub.api: auth and errors)."""

from django.http import HttpResponse
from ninja import Router

from voucherhub.api.context import caller_of

from . import services

router = Router(tags=["sessions"])


@router.delete(
    "/vouchers/{code}/sessions/{session_key}",
    summary="Release a voucher's lock in a session (VouchersApi.release_validation_session)",
    response={204: None},
)
def release_validation_session(request, code: str, session_key: str):
    services.release_session_lock(code=code, session_key=session_key, caller=caller_of(request))
    return HttpResponse(status=204)
