"""More than 1,000 vouchers at once: the campaign answers IN_PROGRESS at once and a
Celery job generates the codes in batches, exactly as many as asked, then marks it DONE.

The end-to-end tests run a real worker (``live_worker``); the others call the task's function directly,
which is what a redelivered message does.
"""

import threading
from datetime import timedelta

import pytest
import voucherify as V
from celery.signals import task_postrun
from django.utils import timezone

from auditlog.models import Event
from campaigns import tasks
from campaigns.models import Campaign, GenerationStatus, VoucherGenerationJob
from campaigns.models import Voucher as VoucherRow
from campaigns.services import generation
from conftest import wait_for
from tests.api.test_plumbing import assert_error_shape

CAMPAIGN = {
    "name": "Big drop",
    "campaign_type": "DISCOUNT_COUPONS",
    "voucher": {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "AMOUNT", "amount_off": 500},
        "code_config": {"length": 8, "prefix": "BIG-"},
    },
}


def campaign_vouchers(campaign_id: str) -> list[str]:
    return list(VoucherRow.objects.filter(campaign_id=campaign_id).values_list("code", flat=True))


def events(campaign_id: str, type: str) -> list[Event]:
    return list(Event.objects.filter(campaign_id=campaign_id, type=type))


def campaign_done(campaign_id: str) -> bool:
    return Campaign.objects.filter(pk=campaign_id, creation_status="DONE").exists()


@pytest.fixture
def generation_runs():
    """Counts finished runs of the generation task in the worker. Tests wait on this rather than poll the
    database: SQLite's shared in-memory test database refuses a read while another thread writes."""
    runs = {"n": 0}
    lock = threading.Lock()

    def finished(sender=None, **kwargs):
        if sender is not None and sender.name == "campaigns.tasks.generate_vouchers":
            with lock:
                runs["n"] += 1

    task_postrun.connect(finished, weak=False)
    yield lambda n: wait_for(lambda: runs["n"] >= n, timeout=60)
    task_postrun.disconnect(finished)


@pytest.mark.worker
def test_a_campaign_of_1500_vouchers_answers_in_progress_and_a_worker_generates_exactly_1500(
    api, live_worker, generation_runs
):
    response = api.post("/v1/campaigns", {**CAMPAIGN, "vouchers_count": 1500})
    assert response.status_code == 200, response.content
    body = response.json()
    V.CampaignsCreateResponseBody.from_dict(body)
    assert body["creation_status"] == "IN_PROGRESS" and body["vouchers_generation_status"] == "IN_PROGRESS"
    assert body["vouchers_count"] < 1500

    assert generation_runs(1) and campaign_done(body["id"])
    codes = campaign_vouchers(body["id"])
    assert len(codes) == 1500 and len(set(codes)) == 1500 and all(c.startswith("BIG-") for c in codes)
    answer = api.get(f"/v1/campaigns/{body['id']}").json()
    V.CampaignsGetResponseBody.from_dict(answer)
    assert answer["vouchers_count"] == 1500 and answer["creation_status"] == "DONE"
    (job,) = VoucherGenerationJob.objects.filter(campaign_id=body["id"])
    assert (job.status, job.done, job.total) == (GenerationStatus.DONE, 1500, 1500)
    # Audited per job, not per voucher.
    assert len(events(body["id"], "campaign.vouchers.generation_scheduled")) == 1
    (generated,) = events(body["id"], "campaign.vouchers.generated")
    assert generated.data["count"] == 1500 and generated.data["async_action_id"] == job.id
    assert generated.channel_type == "API" and generated.request_log_id is not None
    assert not Event.objects.filter(campaign_id=body["id"], type="voucher.created").exists()

    # add_vouchers_to_campaign above 1,000: an async_action_id naming the job, then exactly +1,200.
    added = api.post(f"/v1/campaigns/{body['id']}/vouchers?vouchers_count=1200", {"metadata": {"wave": 2}})
    assert added.status_code == 200, added.content
    V.CampaignsVouchersCreateCombinedResponseBody.from_dict(added.json())
    job = VoucherGenerationJob.objects.get(pk=added.json()["async_action_id"])
    assert job.campaign_id == body["id"] and job.total == 1200
    assert generation_runs(2) and VoucherGenerationJob.objects.get(pk=job.pk).status == GenerationStatus.DONE
    assert campaign_done(body["id"])
    assert len(set(campaign_vouchers(body["id"]))) == 2700
    assert VoucherRow.objects.filter(campaign_id=body["id"], metadata={"wave": 2}).count() == 1200


@pytest.mark.worker
def test_the_sdk_creates_a_large_campaign_and_adds_1200_vouchers_generated_by_a_worker(
    sdk, live_worker, generation_runs
):
    campaigns = V.CampaignsApi(sdk)
    created = campaigns.create_campaign(
        V.CampaignsCreateRequestBody(
            name="SDK drop",
            campaign_type="GIFT_VOUCHERS",
            voucher=V.CampaignsCreateRequestBodyVoucher(
                type="GIFT_VOUCHER",
                gift=V.Gift(amount=2500),
                code_config=V.CodeConfig(length=10, prefix="GIFT-"),
            ),
            vouchers_count=1500,
        )
    )
    assert created.creation_status == "IN_PROGRESS" and created.vouchers_generation_status == "IN_PROGRESS"
    assert generation_runs(1)
    got = campaigns.get_campaign(created.id)
    assert got.creation_status == "DONE" and got.vouchers_count == 1500
    assert len(set(campaign_vouchers(created.id))) == 1500

    added = campaigns.add_vouchers_to_campaign(created.id, vouchers_count=1200)
    assert added.async_action_id == VoucherGenerationJob.objects.get(campaign_id=created.id, total=1200).id
    assert generation_runs(2)
    got = campaigns.get_campaign(created.id)
    assert got.creation_status == "DONE" and got.vouchers_count == 2700
    assert len(set(campaign_vouchers(created.id))) == 2700
    # Gift cards carry their CREATION transaction, as when generated in the request.
    cards = VoucherRow.objects.filter(campaign_id=created.id)
    assert cards.filter(gift_balance=2500, transactions__source="CREATION").count() == 2700


@pytest.mark.django_db
def test_a_redelivered_task_continues_from_the_database_and_never_generates_more(api, monkeypatch):
    body = api.post("/v1/campaigns", {**CAMPAIGN, "vouchers_count": 1500}).json()
    job = VoucherGenerationJob.objects.get(campaign_id=body["id"])
    assert job.status == GenerationStatus.SCHEDULED and body["creation_status"] == "IN_PROGRESS"

    class WorkerKilled(BaseException):
        """What the task sees of a SIGKILL: nothing after this point runs."""

    real_insert = generation._insert_generated
    calls = []

    def dies_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerKilled
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(generation, "_insert_generated", dies_on_second_batch)
    with pytest.raises(WorkerKilled):
        tasks.generate_vouchers(job.id)
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == (GenerationStatus.IN_PROGRESS, 1000, 1)
    assert len(campaign_vouchers(body["id"])) == 1000  # the killed batch left nothing behind
    assert api.get(f"/v1/campaigns/{body['id']}").json()["vouchers_count"] == 1000

    monkeypatch.setattr(generation, "_insert_generated", real_insert)
    tasks.generate_vouchers(job.id)  # redelivered at once: the heartbeat is fresh, as if a worker were on it
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == (GenerationStatus.IN_PROGRESS, 1000, 1)
    # Once the killed worker's heartbeat is stale, a redelivery (or the reaper's message) takes the job over.
    VoucherGenerationJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=3))
    tasks.generate_vouchers(job.id)
    tasks.generate_vouchers(job.id)  # and one more duplicate message
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == (GenerationStatus.DONE, 1500, 2)
    assert len(set(campaign_vouchers(body["id"]))) == 1500
    assert api.get(f"/v1/campaigns/{body['id']}").json()["creation_status"] == "DONE"
    assert len(events(body["id"], "campaign.vouchers.generated")) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, query",
    [("/v1/campaigns", None), ("/v1/campaigns/{id}/vouchers", "vouchers_count=1000001")],
)
def test_more_than_a_million_vouchers_is_a_400_and_writes_nothing(api, path, query):
    if query is None:
        response = api.post(path, {**CAMPAIGN, "vouchers_count": 1_000_001})
        assert not Campaign.objects.exists()
    else:
        campaign = api.post("/v1/campaigns", {**CAMPAIGN, "vouchers_count": 0}).json()
        response = api.post(path.format(id=campaign["id"]) + "?" + query, {})
        assert Campaign.objects.get().creation_status == "DONE"
    body = assert_error_shape(response, 400, "invalid_campaign_params")
    assert "1000000" in body["details"]
    assert not VoucherGenerationJob.objects.exists() and not VoucherRow.objects.exists()
    assert not Event.objects.filter(type__startswith="campaign.vouchers").exists()


@pytest.mark.django_db
def test_a_code_config_without_room_for_the_count_is_a_400_and_writes_nothing(api):
    small = {**CAMPAIGN, "voucher": {**CAMPAIGN["voucher"], "code_config": {"length": 4, "charset": "ABCDEFGH"}}}
    response = api.post("/v1/campaigns", {**small, "vouchers_count": 5000})  # 8^4 = 4096 codes
    assert_error_shape(response, 400, "invalid_code_config")
    assert not Campaign.objects.exists() and not VoucherGenerationJob.objects.exists()


@pytest.mark.django_db
def test_up_to_a_thousand_vouchers_are_still_generated_in_the_request(api):
    response = api.post("/v1/campaigns", {**CAMPAIGN, "vouchers_count": 1000})
    body = response.json()
    assert response.status_code == 200 and body["creation_status"] == "DONE" and body["vouchers_count"] == 1000
    many = api.post(f"/v1/campaigns/{body['id']}/vouchers?vouchers_count=1000", {})
    assert many.status_code == 200 and many.json()["async_action_id"].startswith("aa_")
    assert len(set(campaign_vouchers(body["id"]))) == 2000
    assert not VoucherGenerationJob.objects.exists()


@pytest.mark.django_db
def test_adding_many_vouchers_checks_the_body_like_adding_few(api):
    campaign = api.post("/v1/campaigns", {**CAMPAIGN, "vouchers_count": 0}).json()
    url = f"/v1/campaigns/{campaign['id']}/vouchers?vouchers_count=2000"
    assert_error_shape(api.post(url, {"code": "ONE"}), 400, "invalid_payload")
    reversed_dates = {"start_date": "2026-09-01T00:00:00Z", "expiration_date": "2026-06-01T00:00:00Z"}
    assert_error_shape(api.post(url, reversed_dates), 400, "invalid_voucher")
    assert_error_shape(api.post(url, {"category": "nope"}), 404, "not_found")
    assert_error_shape(api.post("/v1/campaigns/nope/vouchers?vouchers_count=2000", {}), 404, "not_found")
    assert not VoucherGenerationJob.objects.exists()
