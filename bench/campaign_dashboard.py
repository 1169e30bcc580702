"""p95 server time of a campaign dashboard.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/voucherhub_5m .venv/bin/python bench/campaign_dashboard.py [N]

For each campaign type it takes the campaign with the most redemptions and renders its dashboard (the
overview, the Analytics tab and the Redemptions tab) N times
(default 30, after 3 warm-ups) through Django's test client as a Marketer, in process, DEBUG off: the time
is the whole request (middleware, permission, queries, template), without the network. It prints one line
per page and, last, the worst p95.

The database is only read: the Marketer, its session and its login live in a transaction that is rolled
back at the end, so the shared 5M database is left as it was.
"""

import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# The overview, then the Analytics tab (its aggregates) and the Redemptions tab (the section's list, filtered
# to the campaign), each over the default period.
TABS = ("", "analytics/", "redemptions/")


class _Rollback(Exception):
    pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(runs: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.update(
        LOG_LEVEL="WARNING",
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 60,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
    )
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core import signals
    from django.db import close_old_connections, connection, transaction
    from django.test import Client, override_settings

    from voucherhub.roles import MARKETER, sync_roles

    # One connection and one transaction for the whole run (rolled back): the request signals would
    # otherwise close the connection after each request (CONN_MAX_AGE 0).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM redemptions_redemption")
        total = cursor.fetchone()[0]
    print(f"redemptions in {connection.settings_dict['NAME']}: {total:,}", flush=True)

    # Static URLs without collectstatic's manifest (the bench measures the page, not WhiteNoise).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    worst = 0.0
    try:
        with override_settings(STORAGES=storages), transaction.atomic():
            if not Group.objects.filter(name=MARKETER).exists():
                sync_roles(apps)
            user = User.objects.create_user(username=f"bench-marketer-{time.time_ns()}", password="x")
            user.groups.add(Group.objects.get(name=MARKETER))
            client = Client()
            client.force_login(user)
            # As a web node runs (gunicorn.conf.py's when_ready): what exists after start-up is frozen out of
            # the collector's sight, so a full collection does not walk Django and the apps in mid-request.
            gc.collect()
            gc.freeze()
            for label, campaign_id in _busiest_campaign_per_type():
                for tab in TABS:
                    worst = max(
                        worst, measure(client, f"{label} {tab or 'overview'}", f"/campaigns/{campaign_id}/{tab}", runs)
                    )
            raise _Rollback
    except _Rollback:
        pass
    print(f"campaign_dashboard: worst p95 {worst:.1f} ms over {runs} requests per campaign type")


def _busiest_campaign_per_type() -> list[tuple[str, str]]:
    """(label, campaign id) of the campaign with the most redemptions, for each campaign type."""
    from django.db.models import Count

    from campaigns.models import Campaign, CampaignType
    from redemptions.models import Redemption

    pages = []
    for campaign_type in CampaignType.values:
        top = (
            Redemption.objects.filter(campaign__campaign_type=campaign_type)
            .values("campaign_id")
            .annotate(n=Count("*"))
            .order_by("-n")
            .first()
        )
        if top is None:
            print(f"{campaign_type}: no campaign with redemptions, skipped", flush=True)
            continue
        campaign = Campaign.objects.get(pk=top["campaign_id"])
        pages.append((f"{campaign_type} {campaign.name!r} ({top['n']:,} redemptions)", campaign.pk))
    return pages


def measure(client, label: str, url: str, runs: int) -> float:
    """GET ``url`` ``runs`` times after 3 warm-up requests; prints the figures and returns the p95 (ms)."""
    times = []
    for i in range(runs + 3):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if i >= 3:
            times.append(elapsed)
    p95 = percentile(times, 95)
    print(f"{label}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms", flush=True)
    return p95


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
