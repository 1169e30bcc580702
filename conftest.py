"""Project-wide pytest fixtures: headless Chromium through Playwright, a real Celery worker, users per role."""

import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in the main thread, and Django's async-safety guard
# would refuse every ORM call made by the test body. Tests only; never set in production.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without these, Chromium keeps opening background connections that this closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


def _deeper_live_server_backlog() -> None:
    """The live test server queues only 10 pending connections; races of 50 clients need more."""
    from django.core.servers import basehttp

    basehttp.WSGIServer.request_queue_size = 256


_deeper_live_server_backlog()


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's chromium; PostgreSQL-only tests need PostgreSQL. Skip loudly."""
    from django.db import connection

    on_postgres = connection.vendor == "postgresql"
    have_chromium = Path(CHROMIUM).exists()
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."))
        if "e2e" in item.keywords and not have_chromium:
            item.add_marker(
                pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM}: apt-get install chromium (make test does it)")
            )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Extends pytest-playwright's fixture: Debian's chromium, never a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def artifact_dir(request) -> Path:
    """A folder kept after the run (test-artifacts/<test name>/) for screenshots."""
    path = ARTIFACTS / request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def celery_app_for_tests():
    from voucherhub.celery import app

    return app


@pytest.fixture
def live_worker(transactional_db, celery_app_for_tests):
    """A real Celery worker consuming the test broker (Redis in CI, the filesystem broker otherwise).

    Needs ``transactional_db`` (not ``db``): the worker runs in another thread and must see committed
    rows, and building it runs Celery's Django fixup, which closes the test thread's connections.
    """
    from celery.contrib.testing.worker import start_worker

    app = celery_app_for_tests
    app.conf.task_always_eager = False
    # start_worker sets the root logger to ERROR (its log level) and never puts it back: later tests in
    # this process would then see no warning in caplog.
    root_level = logging.getLogger().level
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True
        logging.getLogger().setLevel(root_level)


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; returns the last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def role_groups(db):
    """The three role groups with their permissions. They come from a data migration, and a transactional
    test (live_server, live_worker) ends with a flush that empties them: a test of this worker that runs
    after one (xdist hands out tests as workers free up) gets them back the way the migration made them."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from voucherhub.roles import ROLE_PERMISSIONS, sync_roles

    if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() < len(ROLE_PERMISSIONS):
        sync_roles(apps)


@pytest.fixture
def role_user(role_groups, django_user_model):
    """A factory: ``role_user("Marketer")`` is a user in that group (password "pw"); None = no group."""
    from django.contrib.auth.models import Group

    def make(role: str | None, *, username: str | None = None, superuser: bool = False):
        name = username or (role or ("superuser" if superuser else "nobody")).lower()
        user = django_user_model.objects.create_user(
            username=name, password="pw", email=f"{name}@example.com", is_superuser=superuser, is_staff=superuser
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make
