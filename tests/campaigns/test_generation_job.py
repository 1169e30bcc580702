"""Voucher generation jobs behind the API: the reaper that keeps none stuck, failures, two attempts at
once, the database's limits, and the line the campaign's dashboard shows while codes are generated."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from auditlog.models import Event
from campaigns import tasks
from campaigns.models import Campaign, CreationStatus, GenerationStatus, Voucher, VoucherGenerationJob
from campaigns.services import campaigns as campaign_services
from campaigns.services import codes as code_services
from campaigns.services import generation
from campaigns.services.requests import Discount, VoucherTemplate
from tests.redemptions.factories import make_user
from voucherhub.caller import Caller

CALLER = Caller.system("tests")
LATER = timedelta(minutes=3)  # past both the requeue and the stale-heartbeat delays


def new_campaign(count: int, name: str = "Big") -> Campaign:
    return campaign_services.create_campaign(
        caller=CALLER,
        name=name,
        voucher=VoucherTemplate(type="DISCOUNT_VOUCHER", discount=Discount(type="PERCENT", percent_off=5)),
        vouchers_count=count,
    )


def codes_of(campaign: Campaign) -> list[str]:
    return list(Voucher.objects.filter(campaign=campaign).values_list("code", flat=True))


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.generate_vouchers, "apply_async", refuse)


@pytest.mark.django_db
def test_a_job_the_broker_never_took_stays_scheduled_and_the_reaper_sends_it_again(
    broker_down, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = new_campaign(1500)  # the request succeeds although the message is lost
    job = VoucherGenerationJob.objects.get(campaign=campaign)
    assert job.status == GenerationStatus.SCHEDULED and job.enqueued_at is not None
    assert campaign.creation_status == CreationStatus.IN_PROGRESS
    assert "stays SCHEDULED for the reaper" in caplog.text

    assert generation.reap_generation_jobs() == {"retried": 0, "failed": 0, "requeued": 0}  # too early
    monkeypatch.undo()  # the broker is back; eager mode runs the task where it is sent
    assert generation.reap_generation_jobs(now=timezone.now() + LATER) == {"retried": 0, "failed": 0, "requeued": 1}
    job.refresh_from_db()
    assert (job.status, job.done) == (GenerationStatus.DONE, 1500)
    assert len(set(codes_of(campaign))) == 1500
    assert Campaign.objects.get(pk=campaign.pk).creation_status == CreationStatus.DONE


@pytest.mark.django_db
def test_the_reaper_hands_out_again_a_job_whose_worker_died_and_it_finishes_exactly(monkeypatch):
    campaign = new_campaign(1500)
    job = VoucherGenerationJob.objects.get(campaign=campaign)
    monkeypatch.setattr(generation, "GENERATION_BATCH", 600)
    generation.JOBS.claim(job.pk)
    assert generation._generation_batch(job.pk, campaign.pk)  # one batch, then the worker is killed
    VoucherGenerationJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LATER)

    assert generation.reap_generation_jobs() == {"retried": 1, "failed": 0, "requeued": 0}
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == (GenerationStatus.DONE, 1500, 2)
    assert len(set(codes_of(campaign))) == 1500
    assert generation.reap_generation_jobs(now=timezone.now() + LATER) == {"retried": 0, "failed": 0, "requeued": 0}


@pytest.mark.django_db
def test_a_job_whose_worker_keeps_dying_fails_with_its_reason_and_the_campaign_says_so(caplog):
    campaign = new_campaign(1500)
    job = VoucherGenerationJob.objects.get(campaign=campaign)
    VoucherGenerationJob.objects.filter(pk=job.pk).update(
        status=GenerationStatus.IN_PROGRESS,
        attempts=generation.GENERATION_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - LATER,
    )
    assert generation.reap_generation_jobs() == {"retried": 0, "failed": 1, "requeued": 0}
    job.refresh_from_db()
    assert job.status == GenerationStatus.FAILED and "stopped 5 times" in job.error
    assert Campaign.objects.get(pk=campaign.pk).creation_status == CreationStatus.FAILED
    (failed,) = Event.objects.filter(campaign_id=campaign.pk, type="campaign.vouchers.generation_failed")
    assert failed.data["generated"] == 0 and failed.data["count"] == 1500
    assert "stopped 5 times" in caplog.text
    tasks.generate_vouchers(job.pk)  # a late message for a failed job does nothing
    assert not codes_of(campaign)


@pytest.mark.django_db
def test_a_duplicate_message_for_a_running_job_does_nothing_and_costs_no_attempt(monkeypatch):
    campaign = new_campaign(1500)
    job = VoucherGenerationJob.objects.get(campaign=campaign)
    monkeypatch.setattr(generation, "GENERATION_BATCH", 600)
    generation.JOBS.claim(job.pk)
    assert generation._generation_batch(job.pk, campaign.pk)  # a worker is on it: one batch so far
    for _ in range(generation.GENERATION_MAX_ATTEMPTS + 1):
        tasks.generate_vouchers(job.pk)  # duplicates (the reaper re-sent a job waiting behind busy workers)
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == (GenerationStatus.IN_PROGRESS, 600, 1)
    assert Campaign.objects.get(pk=campaign.pk).creation_status == CreationStatus.IN_PROGRESS


@pytest.mark.django_db
def test_the_reaper_does_not_fail_a_job_whose_slow_worker_moved_meanwhile():
    campaign = new_campaign(1500)
    job = VoucherGenerationJob.objects.get(campaign=campaign)
    stale = timezone.now() - LATER
    VoucherGenerationJob.objects.filter(pk=job.pk).update(
        status=GenerationStatus.IN_PROGRESS, attempts=generation.GENERATION_MAX_ATTEMPTS, heartbeat_at=stale
    )
    # The reaper read it as stale; a batch lands before it takes the job's lock.
    VoucherGenerationJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert generation.fail_generation(job.pk, message="gave up", unless_moved_since=stale) is None
    job.refresh_from_db()
    assert job.status == GenerationStatus.IN_PROGRESS and job.error == ""


@pytest.mark.django_db
def test_a_campaign_deleted_meanwhile_fails_its_job_and_keeps_what_was_made(monkeypatch):
    campaign = new_campaign(1500)
    job = VoucherGenerationJob.objects.get(campaign=campaign)
    monkeypatch.setattr(generation, "GENERATION_BATCH", 500)
    generation.JOBS.claim(job.pk)
    generation._generation_batch(job.pk, campaign.pk)
    campaign_services.delete_campaign(caller=CALLER, ref=campaign.pk)
    VoucherGenerationJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LATER)  # worker gone
    tasks.generate_vouchers(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done) == (GenerationStatus.FAILED, 500) and "deleted" in job.error
    assert len(codes_of(campaign)) == 500


@pytest.mark.django_db
def test_a_colliding_code_is_drawn_again_and_the_batch_stays_exact(monkeypatch):
    campaign = new_campaign(1200)
    job = VoucherGenerationJob.objects.get(campaign=campaign)
    real_generate = code_services.generate_codes
    draws = []

    def first_draw_collides(config, count):
        codes = real_generate(config, count)
        if not draws:  # someone takes one of the codes between the draw and the insert
            Voucher.objects.create(code=codes[0], discount_type="PERCENT", percent_off=1)
        draws.append(count)
        return codes

    monkeypatch.setattr(generation, "generate_codes", first_draw_collides)
    tasks.generate_vouchers(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done) == (GenerationStatus.DONE, 1200)
    assert draws == [1000, 1000, 200] and len(set(codes_of(campaign))) == 1200


@pytest.mark.django_db
def test_the_database_refuses_a_job_counting_past_its_total():
    job = VoucherGenerationJob.objects.create(campaign=new_campaign(0), total=10)
    for change in ({"done": 11}, {"done": -1}, {"total": 0}, {"status": "DONE", "done": 9}, {"status": "LOST"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            VoucherGenerationJob.objects.filter(pk=job.pk).update(**change)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_attempts_at_one_job_at_once_never_double_it(monkeypatch):
    monkeypatch.setattr(generation.JOBS, "send", lambda job_id: True)  # the two attempts below do it
    campaign = new_campaign(3000)
    job = VoucherGenerationJob.objects.get(campaign=campaign)
    monkeypatch.setattr(generation, "GENERATION_BATCH", 250)
    start = threading.Barrier(2)
    errors = []

    def attempt():
        try:
            start.wait()
            generation.run_generation_job(job.pk)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    job.refresh_from_db()
    # The second delivery found the job running (fresh heartbeat) and left it alone: no second attempt.
    assert (job.status, job.done, job.attempts) == (GenerationStatus.DONE, 3000, 1)
    assert len(set(codes_of(campaign))) == 3000
    assert Event.objects.filter(campaign_id=campaign.pk, type="campaign.vouchers.generated").count() == 1


@pytest.mark.django_db
def test_the_dashboard_shows_generation_progress_then_a_failure(client, role_user, monkeypatch):
    campaign = new_campaign(1500)
    job = VoucherGenerationJob.objects.get(campaign=campaign)
    client.force_login(make_user(role_user, "Marketer"))
    page = client.get(f"/campaigns/{campaign.pk}/")
    assert page.status_code == 200 and "Generating vouchers: 0 of 1,500" in page.content.decode()

    monkeypatch.setattr(generation, "GENERATION_BATCH", 400)
    generation.JOBS.claim(job.pk)
    generation._generation_batch(job.pk, campaign.pk)
    assert "Generating vouchers: 400 of 1,500" in client.get(f"/campaigns/{campaign.pk}/vouchers/").content.decode()

    generation.fail_generation(job.pk, message="Codes kept colliding")
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Voucher generation failed after 400 of 1,500: Codes kept colliding" in html
    assert "Generating vouchers" not in html
    activity = client.get(f"/campaigns/{campaign.pk}/activity/")
    assert activity.status_code == 200 and "campaign.vouchers.generation_failed" in activity.content.decode()

    done = new_campaign(10, name="Small")
    assert 'data-testid="generation"' not in client.get(f"/campaigns/{done.pk}/").content.decode()
