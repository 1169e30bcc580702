"""``/management/v1/``: the installation as one project (``list_projects``) and its webhooks
(``ManagementApi``'s ``create_webhook``, ``get_webhook``, ``list_webhooks``, ``update_webhook``,
``delete_webhook``). Authenticated by an API key with management rights (``X-Management-Id`` /
``X-Management-Token``)."""

from ninja import Router

from voucherhub.api.context import caller_of
from voucherhub.wire import list_json

from . import queries
from .schemas import WebhookCreateIn, WebhookUpdateIn
from .serializers import project_json, webhook_json
from .services import webhooks as services

router = Router(tags=["management"])


@router.get("/projects", summary="List projects (this installation)")
def list_projects(request):
    return list_json("data", [project_json()], total=1)


@router.get("/projects/{project_id}", summary="Get the project")
def get_project(request, project_id: str):
    queries.check_project(project_id)
    return project_json()


@router.post("/projects/{project_id}/webhooks", summary="Create a webhook (its secret is answered once)")
def create_webhook(request, project_id: str, payload: WebhookCreateIn):
    queries.check_project(project_id)
    webhook = services.create_webhook(payload.to_request(), caller=caller_of(request))
    return webhook_json(webhook, with_secret=True)


@router.get("/projects/{project_id}/webhooks", summary="List webhooks")
def list_webhooks(request, project_id: str):
    queries.check_project(project_id)
    found = [webhook_json(webhook) for webhook in queries.webhooks()]
    return list_json("data", found, total=len(found))


@router.get("/projects/{project_id}/webhooks/{webhook_id}", summary="Get a webhook")
def get_webhook(request, project_id: str, webhook_id: str):
    queries.check_project(project_id)
    return webhook_json(queries.webhook(webhook_id))


@router.put("/projects/{project_id}/webhooks/{webhook_id}", summary="Update a webhook")
def update_webhook(request, project_id: str, webhook_id: str, payload: WebhookUpdateIn):
    queries.check_project(project_id)
    return webhook_json(services.update_webhook(webhook_id, payload.to_request(), caller=caller_of(request)))


@router.delete("/projects/{project_id}/webhooks/{webhook_id}", summary="Delete a webhook", response={204: None})
def delete_webhook(request, project_id: str, webhook_id: str):
    queries.check_project(project_id)
    services.delete_webhook(webhook_id, caller=caller_of(request))
    return 204, None
