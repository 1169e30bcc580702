"""Publications are exact under concurrency (PostgreSQL): parallel publications from one campaign, each in
its own server thread, database connection and transaction, never get the same code, and the ones that
find none left fail cleanly."""

import http.client
import json
from collections import Counter
from urllib.parse import urlsplit

import pytest

from campaigns.models import Publication, Voucher
from tests.factories import make_campaign, make_voucher
from tests.redemptions.test_concurrency import in_parallel
from voucherhub.services import create_api_key

pytestmark = pytest.mark.postgres

CODES = 10
CALLS = 16


def test_parallel_publications_never_share_a_code_and_the_rest_fail_cleanly(live_server, transactional_db):
    campaign = make_campaign(name="Race coupons")
    for i in range(CODES):
        make_voucher(code=f"RACE-{i:02}", campaign=campaign)
    key, token = create_api_key(name="Race")
    netloc = urlsplit(live_server.url).netloc

    def publish(i: int) -> tuple[int, dict]:
        conn = http.client.HTTPConnection(netloc, timeout=60)
        try:
            body = {"customer": {"source_id": f"racer-{i}"}, "campaign": {"name": "Race coupons"}}
            headers = {"X-App-Id": key.app_id, "X-App-Token": token, "Content-Type": "application/json"}
            conn.request("POST", "/v1/publications", body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    answers = in_parallel(CALLS, publish)

    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: CODES, 400: CALLS - CODES}, answers
    codes = [answer["voucher"]["code"] for status, answer in answers if status == 200]
    assert sorted(codes) == [f"RACE-{i:02}" for i in range(CODES)]  # each code once
    assert all(answer["key"] == "no_voucher_suitable_for_publication" for status, answer in answers if status == 400)
    holders = dict(Voucher.objects.filter(campaign=campaign).values_list("code", "holder__source_id"))
    published = {answer["voucher"]["code"]: answer["customer"]["source_id"] for s, answer in answers if s == 200}
    assert holders == published
    results = Counter(Publication.objects.values_list("result", flat=True))
    assert results == {"SUCCESS": CODES, "FAILURE": CALLS - CODES}
