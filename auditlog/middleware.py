"""Records every /v1/ call and keeps /v1/ answers in the platform's error shape."""

import time

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from voucherhub.api.errors import error_response, for_status
from voucherhub.errors import DomainError, invalid_payload, invalid_query_params
from voucherhub.ids import new_request_id
from voucherhub.wire import API_PREFIXES, MAX_JSON_DEPTH, MAX_MULTIPART_BYTES, json_too_deep

from .services import parse_body, redact, storable, write_request_log

NOT_LOGGED = {"/v1/openapi.json"}
# The longest path and query string the API reads; gunicorn.conf.py lets longer request lines through
# (limit_request_line) so that the client gets this answer in the error shape, not the server's own page.
MAX_URL_LENGTH = 4096


class ApiAuditMiddleware:
    """For /v1/ paths: give the call a request id (``X-Request-Id``), turn any non-JSON error page
    (unknown path, wrong method, a crash outside our views) into the error shape, and write a
    RequestLog with the bodies, secrets removed. Writing the log can never change the answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIXES):
            return self.get_response(request)

        started = time.perf_counter()
        request.request_id = new_request_id()
        try:
            raw_request = _body(request)
        except RequestDataTooBig:
            raw_request = b""
            response = self._shaped(request, for_status(413, "The request body is larger than allowed."), 413)
        else:
            refusal = self._refusal(request, raw_request)
            if refusal is None:
                response = self.get_response(request)
            else:
                response = self._shaped(request, *refusal)
                if refusal[0].key == "invalid_payload":  # too deep to parse for the log either
                    raw_request = f"{len(raw_request)} bytes nested too deep, not kept".encode()

        if response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            allow = response.get("Allow")  # a 405 names the methods the address takes (RFC 9110)
            error = for_status(response.status_code, _page_details(request, response.status_code, allow))
            response = self._shaped(request, error, response.status_code)
            if allow is not None:
                response["Allow"] = allow
        response["X-Request-Id"] = request.request_id

        if request.path not in NOT_LOGGED:
            self._log(request, raw_request, response, started)
        return response

    @staticmethod
    def _refusal(request, raw_request: bytes) -> tuple[DomainError, int] | None:
        """What is refused before any view, parser or log reads it: an address longer than the API takes,
        NUL characters (PostgreSQL cannot store or compare text holding them), a body nested too deep."""
        query_string = request.META.get("QUERY_STRING", "")
        if len(request.path) + len(query_string) > MAX_URL_LENGTH:
            details = f"The address is longer than {MAX_URL_LENGTH} characters; send long lists in several calls."
            return for_status(414, details), 414
        if "\x00" in request.path or "%00" in query_string or "\x00" in query_string:
            return invalid_query_params("NUL characters are not allowed"), 400
        if "" in request.GET:  # "?=x" or "&=": a value without a name is a malformed query, not an ignored one
            return invalid_query_params("A query parameter has no name"), 400
        if json_too_deep(raw_request):
            return invalid_payload(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."), 400
        return None

    @staticmethod
    def _shaped(request, error, status: int | None = None) -> JsonResponse:
        return error_response(error, request.request_id, status=status)

    @staticmethod
    def _log(request, raw_request: bytes, response, started: float) -> None:
        api_key = getattr(request, "api_key", None)
        streaming = getattr(response, "streaming", False)
        response_body = None if streaming else parse_body(response.content, response.get("Content-Type", ""))
        write_request_log(
            id=request.request_id,
            method=request.method,
            path=storable(request.path)[:2000],
            query=redact(dict(request.GET.lists())),
            request_body=parse_body(raw_request, request.content_type or ""),
            response_status=response.status_code,
            response_body=response_body,
            ip=request.META.get("REMOTE_ADDR") or None,
            origin=storable(request.headers.get("Origin", ""))[:500],
            user_agent=storable(request.headers.get("User-Agent", ""))[:500],
            channel_type="API",
            channel_id=api_key.name if api_key else "",
            api_key=api_key,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )


def _body(request) -> bytes:
    """The body to check and log. A file upload (multipart) is left to the view that reads it, up to the
    largest file an import takes; the log keeps its size only."""
    if request.content_type != "multipart/form-data":
        return request.body  # RequestDataTooBig above DATA_UPLOAD_MAX_MEMORY_SIZE
    length = request.META.get("CONTENT_LENGTH") or "0"
    size = int(length) if length.isdigit() else 0
    if size > MAX_MULTIPART_BYTES:
        raise RequestDataTooBig
    return f"a file upload of {size} bytes, not kept".encode()


def _page_details(request, status: int, allow: str | None) -> str:
    """What an error page the API's own code did not write means, said to the client."""
    if status == 404:
        return f"There is no {request.method} {request.path} in the API"
    if status == 405 and allow:
        return f"{request.path} does not take {request.method}; it takes {allow}"
    return ""
