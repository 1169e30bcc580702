"""The /v1/ API site: the NinjaAPI, its routers mounted by dotted path, and every error in one shape.

Each app contributes a ninja ``Router`` from its own ``api.py``; :data:`ROUTERS` names them, so this module
imports no app (and no app imports it: only ``voucherhub.urls`` does). Errors of every kind — a
:class:`DomainError` from a service, a schema violation, a missing key, an unknown path, a database
outage, a crash — are answered through :mod:`voucherhub.api.errors`.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from voucherhub.errors import DomainError, invalid_payload

from .auth import AppKeyAuth, ManagementKeyAuth
from .context import request_id_of
from .errors import database_unavailable, error_response, for_status, unauthorized
from .openapi import document_errors
from .parsing import StrictJsonParser, describe_validation_errors

log = logging.getLogger(__name__)

# Django tries the routes in order: the redemptions router (validations, redemptions) comes early, so the
# hot calls resolve after a few patterns instead of after every campaign route. The exports router's few
# routes come before it: POST /v1/orders/export is an export, not the order "export".
ROUTERS = (
    "exports.api.router",
    "redemptions.api.router",
    "campaigns.bulk_api.router",  # before campaigns.api: POST /v1/vouchers/import is no voucher "import"
    "campaigns.stacks_api.router",
    "campaigns.api.router",
    "customers.api.router",
    "redemptions.reward_api.router",
    "loyalty.earning_api.router",
    "loyalty.tiers_api.router",
    "loyalty.rewards_api.router",
    "loyalty.api.router",
    "referrals.api.router",
    "sessions.api.router",
    "stacking.api.router",
    "insights.api.router",
)
# /management/v1/: the installation as one project, and its webhooks (keys with management rights).
MANAGEMENT_ROUTERS = ("outbound.management_api.router",)


class DocumentedApi(NinjaAPI):
    """The NinjaAPI whose OpenAPI document also says what every operation answers when it refuses
    (voucherhub.api.openapi): a client generated from it is never surprised by a status or a body."""

    def get_openapi_schema(self, *args, **kwargs):
        return document_errors(super().get_openapi_schema(*args, **kwargs))


api = DocumentedApi(
    title="VoucherHub API",
    version="v2018-08-01",
    description="The platform's v1 wire format; authenticate with X-App-Id and X-App-Token.",
    auth=AppKeyAuth(),
    urls_namespace="v1",
    openapi_url="/openapi.json",
    docs_url=None,
    parser=StrictJsonParser(),
)


def _answer(request, error: DomainError, status: int | None = None):
    return error_response(error, request_id_of(request), status=status)


def _domain_error(request, exc: DomainError):
    return _answer(request, exc)


def _unauthorized(request, exc):
    return _answer(request, unauthorized())


def _invalid(request, exc: ValidationError):
    return _answer(request, invalid_payload(describe_validation_errors(exc.errors)))


def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, DomainError):  # ninja wraps what our body parser says (StrictJsonParser)
        return _answer(request, exc.__cause__)
    return _answer(request, for_status(exc.status_code, str(exc)), status=exc.status_code)


def _not_found(request, exc):
    return _answer(request, for_status(404, "Cannot find the requested resource"))


def _database_down(request, exc):
    # The database is down or restarting: 503, not a 500 (voucherhub.middleware explains the three places).
    log.error("database unavailable during %s %s: %s", request.method, request.path, type(exc).__name__)
    return _answer(request, database_unavailable())


def _crash(request, exc):
    log.exception("unhandled error in %s %s", request.method, request.path)
    return _answer(request, for_status(500, "The server could not complete the call; it was logged."))


def _answer_every_error(site: NinjaAPI) -> NinjaAPI:
    """Every error of ``site`` in the platform's shape (the same for /v1/ and /management/v1/)."""
    for kinds, handler in (
        ((DomainError,), _domain_error),
        ((AuthenticationError,), _unauthorized),
        ((ValidationError,), _invalid),
        ((HttpError,), _http_error),
        ((Http404,), _not_found),
        ((OperationalError, InterfaceError), _database_down),
        ((Exception,), _crash),
    ):
        for kind in kinds:
            site.add_exception_handler(kind, handler)
    return site


api = _answer_every_error(api)
management_api = _answer_every_error(
    DocumentedApi(
        title="VoucherHub Management API",
        version="v2018-08-01",
        description="The installation as one project and its webhooks; authenticate with X-Management-Id and "
        "X-Management-Token (an API key with management rights).",
        auth=ManagementKeyAuth(),
        urls_namespace="management-v1",
        openapi_url="/openapi.json",
        docs_url=None,
        parser=StrictJsonParser(),
    )
)


def public(patterns):
    """Mark the API's views as not needing a dashboard login (they authenticate with keys)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            public(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback.login_required = False
    return patterns


def urls():
    """The URL include for ``path("v1/", ...)``."""
    return _mounted(api, ROUTERS)


def management_urls():
    """The URL include for ``path("management/v1/", ...)``."""
    return _mounted(management_api, MANAGEMENT_ROUTERS)


def _mounted(site: NinjaAPI, routers: tuple[str, ...]):
    for router in routers:
        site.add_router("", router)
    patterns, app_name, namespace = site.urls
    return public(patterns), app_name, namespace
