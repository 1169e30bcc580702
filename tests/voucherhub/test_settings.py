"""Settings come from the environment, with embedded defaults for a laptop.

Each case loads the real settings module in a fresh interpreter with exactly the environment given,
as a deployment would.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'host': settings.DATABASES['default'].get('HOST'), "
    "'broker': settings.CELERY_BROKER_URL, 'debug': settings.DEBUG, 'tz': settings.TIME_ZONE, "
    "'hosts': settings.ALLOWED_HOSTS, "
    "'static': settings.STORAGES['staticfiles']['BACKEND']}))"
)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL"}}
    env.update(DJANGO_SETTINGS_MODULE="voucherhub.settings", **extra)
    return env


def load_settings(tmp_path: Path, **extra: str) -> dict:
    env = clean_env(VOUCHERHUB_VAR_DIR=str(tmp_path / "var"), **extra)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_with_no_environment_the_app_runs_on_sqlite_and_the_filesystem_broker(tmp_path):
    loaded = load_settings(tmp_path)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(tmp_path / "var" / "db.sqlite3")
    assert loaded["broker"] == "filesystem://"
    assert loaded["debug"] is True
    assert loaded["tz"] == "UTC"
    # the filesystem broker's folders exist, so web, worker and beat can share them at once
    assert (tmp_path / "var" / "broker" / "queue").is_dir()
    assert (tmp_path / "var" / "broker" / "processed").is_dir()


def test_database_url_and_redis_url_switch_to_postgresql_and_redis(tmp_path):
    loaded = load_settings(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/voucherhub",
        REDIS_URL="redis://127.0.0.1:6379/3",
        TIME_ZONE="Europe/Warsaw",
    )
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "voucherhub"
    assert loaded["host"] == "127.0.0.1"
    assert loaded["broker"] == "redis://127.0.0.1:6379/3"
    assert loaded["tz"] == "Europe/Warsaw"


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    env = clean_env(VOUCHERHUB_VAR_DIR=str(tmp_path), DEBUG="0")
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "SECRET_KEY must be set" in out.stderr


def test_production_mode_serves_hashed_static_files_and_only_the_configured_hosts(tmp_path):
    loaded = load_settings(tmp_path, DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="vh.example.com, api.example.com")
    assert loaded["debug"] is False
    assert loaded["hosts"] == ["vh.example.com", "api.example.com"]
    assert loaded["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = clean_env(
        VOUCHERHUB_VAR_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-" + "k9" * 30,
        ALLOWED_HOSTS="vh.example.com",
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


@pytest.mark.parametrize("value, expected", [("0", False), ("false", False), ("1", True), ("yes", True)])
def test_debug_flag_reads_the_usual_spellings(tmp_path, value, expected):
    loaded = load_settings(tmp_path, DEBUG=value, SECRET_KEY="y" * 60)
    assert loaded["debug"] is expected
