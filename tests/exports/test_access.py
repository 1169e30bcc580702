"""Who may open what: every URL of exports and the Audit log, for every role."""

import pytest
from django.urls import reverse

from auditlog.models import RequestLog
from exports.models import Export, Notification

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "nobody", "Staff", "Marketer", "Admin", "superuser"]
AUDIT = {"anonymous": 302, "nobody": 403, "Staff": 403, "Marketer": 200, "Admin": 200, "superuser": 200}
EXPORTERS = {"anonymous": 302, "nobody": 403, "Staff": 200, "Marketer": 200, "Admin": 200, "superuser": 200}
SIGNED_IN = {"anonymous": 302, "nobody": 200, "Staff": 200, "Marketer": 200, "Admin": 200, "superuser": 200}
TRANSACTIONS = {**EXPORTERS, "Staff": 403}  # gift-card transactions: campaign data, not for Staff


@pytest.fixture
def objects(db):
    log = RequestLog.objects.create(id="v-matrix", method="GET", path="/v1/vouchers", response_status=200)
    return {"log": log}


def client_for(client, role_user, role: str):
    if role == "anonymous":
        return client
    superuser = role == "superuser"
    client.force_login(role_user(None if superuser or role == "nobody" else role, superuser=superuser))
    return client


URLS = [
    ("get", lambda o: reverse("auditlog:logs"), AUDIT),
    ("get", lambda o: reverse("auditlog:log_detail", args=[o["log"].pk]), AUDIT),
    ("get", lambda o: reverse("auditlog:events"), AUDIT),
    ("get", lambda o: reverse("exports:list"), EXPORTERS),
    ("get", lambda o: reverse("exports:dialog"), EXPORTERS),
    ("get", lambda o: reverse("exports:dialog") + "?exported_object=voucher_transactions", TRANSACTIONS),
    ("post", lambda o: reverse("exports:create"), EXPORTERS),
    ("get", lambda o: reverse("exports:bell"), SIGNED_IN),
    ("get", lambda o: reverse("exports:notifications"), SIGNED_IN),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "expected"), URLS, ids=lambda v: v if isinstance(v, str) else None)
def test_the_access_matrix(client, role_user, objects, role, method, url, expected):
    client = client_for(client, role_user, role)
    data = {"exported_object": "redemption", "fields": ["id"]} if method == "post" else None
    response = getattr(client, method)(url(objects), data, headers={"HX-Request": "true"})
    assert response.status_code == expected[role]
    if expected[role] == 302:
        assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_or_a_superuser_downloads_or_watches_an_export(client, role_user, role):
    owner = role_user("Staff", username="owner")
    export = Export.objects.create(user=owner, parameters={"fields": ["id"]})
    client = client_for(client, role_user, role)
    status = client.get(reverse("exports:status", args=[export.pk]))
    download = client.get(f"{reverse('exports:download', args=[export.pk])}?token={export.token}")
    expected = {"anonymous": 302, "superuser": 200}.get(role, 403)
    assert status.status_code == expected
    # A superuser passes the checks; the export has no file yet, so there is nothing to download.
    assert download.status_code == {"anonymous": 302, "superuser": 404}.get(role, 403)


def test_notifications_open_only_for_their_user(client, role_user):
    owner = role_user("Staff", username="owner")
    notification = Notification.objects.create(user=owner, message="Ready")
    client.force_login(role_user(None, superuser=True))
    assert client.post(reverse("exports:open_notification", args=[notification.pk])).status_code == 404
    client.force_login(owner)
    assert client.post(reverse("exports:open_notification", args=[notification.pk])).status_code == 302
