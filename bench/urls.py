"""The app's URLs plus ``/bench/insert``: a bare Django view doing one INSERT, the yardstick of the API
throughput figure."""

import json

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from voucherhub.urls import urlpatterns as app_urlpatterns

TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_insert "
    "(id bigserial PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)


@csrf_exempt
@login_not_required
def bare_insert(request):
    payload = json.loads(request.body or b"{}")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (payload) VALUES (%s) RETURNING id", [json.dumps(payload)])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id})


urlpatterns = [path("bench/insert", bare_insert), *app_urlpatterns]
