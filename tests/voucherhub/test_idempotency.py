"""Idempotency-Key: a retried POST returns the first answer and does the work once.

The end-to-end replay of a real redemption lives with the redemption API tests; here the wrapper's
rules are checked against the real database with work that writes rows.
"""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from voucherhub.api.errors import status_of
from voucherhub.errors import DomainError
from voucherhub.idempotency import idempotent, purge_idempotency_keys
from voucherhub.models import IdempotencyKey, WorkerHeartbeat
from voucherhub.services import create_api_key


def post(api_key, body: dict, key: str | None = "retry-1", path: str = "/v1/redemptions"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    request = RequestFactory().post(path, data=json.dumps(body), content_type="application/json", headers=headers)
    request.auth = api_key
    return request


def work(name: str):
    """The call's work: writes a row, answers with how many rows exist."""

    def compute():
        WorkerHeartbeat.objects.create(name=f"{name}-{WorkerHeartbeat.objects.count()}", seen_at=timezone.now())
        return 200, {"rows": WorkerHeartbeat.objects.count()}

    return compute


@pytest.fixture
def api_key(db):
    return create_api_key(name="shop")[0]


def test_a_replay_returns_the_first_answer_and_does_the_work_once(api_key):
    first = idempotent(post(api_key, {"a": 1}), work("call"))
    replay = idempotent(post(api_key, {"a": 1}), work("call"))
    assert first == replay == (200, {"rows": 1})
    assert WorkerHeartbeat.objects.count() == 1


def test_the_same_body_with_other_key_order_or_spacing_is_the_same_request(api_key):
    idempotent(post(api_key, {"a": 1, "b": [1, 2]}), work("call"))
    replay = RequestFactory().post(
        "/v1/redemptions",
        data='{ "b": [1,2],  "a": 1 }',
        content_type="application/json",
        headers={"Idempotency-Key": "retry-1"},
    )
    replay.auth = api_key
    assert idempotent(replay, work("call")) == (200, {"rows": 1})


def test_the_same_key_with_another_body_is_refused_with_409(api_key):
    idempotent(post(api_key, {"a": 1}), work("call"))
    with pytest.raises(DomainError) as refused:
        idempotent(post(api_key, {"a": 2}), work("call"))
    assert status_of(refused.value) == 409 and refused.value.key == "duplicate_found"
    assert WorkerHeartbeat.objects.count() == 1


def test_without_the_header_every_call_does_its_work(api_key):
    idempotent(post(api_key, {"a": 1}, key=None), work("call"))
    idempotent(post(api_key, {"a": 1}, key=None), work("call"))
    assert WorkerHeartbeat.objects.count() == 2


def test_a_call_that_fails_stores_nothing_so_a_retry_runs_again(api_key):
    def crash():
        WorkerHeartbeat.objects.create(name="half-done", seen_at=timezone.now())
        raise DomainError("invalid_payload", "Invalid payload", "bad")

    with pytest.raises(DomainError):
        idempotent(post(api_key, {"a": 1}), crash)
    assert not WorkerHeartbeat.objects.exists()  # nothing half written
    assert idempotent(post(api_key, {"a": 1}), work("call")) == (200, {"rows": 1})


def test_keys_belong_to_the_api_key_that_used_them(api_key):
    other = create_api_key(name="other shop")[0]
    idempotent(post(api_key, {"a": 1}), work("call"))
    assert idempotent(post(other, {"a": 2}), work("call")) == (200, {"rows": 2})


def test_a_key_older_than_24_hours_is_forgotten(api_key):
    idempotent(post(api_key, {"a": 1}), work("call"))
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotent(post(api_key, {"a": 2}), work("call")) == (200, {"rows": 2})
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_idempotency_keys() == 1
    assert purge_idempotency_keys() == 0  # safe to run twice


def test_an_overlong_key_is_refused(api_key):
    with pytest.raises(DomainError) as refused:
        idempotent(post(api_key, {"a": 1}, key="k" * 256), work("call"))
    assert status_of(refused.value) == 400


@pytest.mark.postgres
def test_concurrent_calls_with_one_key_do_the_work_once(transactional_db):
    api_key = create_api_key(name="shop")[0]
    answers, start = [], threading.Barrier(8)

    def client():
        try:
            start.wait()
            answers.append(idempotent(post(api_key, {"a": 1}), work("call")))
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [(200, {"rows": 1})] * 8
    assert WorkerHeartbeat.objects.count() == 1
