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
    "'hosts': settings.ALLOWED_HOSTS, 'currency': settings.VOUCHERHUB_CURRENCY, "
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
    assert loaded["broker"] == "vhfs://"  # kombu's filesystem transport, whole messages (voucherhub.broker)
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


def test_the_currency_is_eur_unless_voucherhub_currency_names_another(tmp_path):
    assert load_settings(tmp_path)["currency"] == "EUR"
    assert load_settings(tmp_path, VOUCHERHUB_CURRENCY="usd")["currency"] == "USD"


@pytest.mark.parametrize("code", ["EURO", "XYZ", "€"])
def test_a_currency_that_is_not_iso_4217_stops_the_start_with_a_clear_error(tmp_path, code):
    env = clean_env(VOUCHERHUB_VAR_DIR=str(tmp_path), VOUCHERHUB_CURRENCY=code)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert f"VOUCHERHUB_CURRENCY must be an ISO 4217 currency code such as EUR, USD or PLN, not {code!r}" in out.stderr


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


def read_settings(tmp_path: Path, names: list[str], **extra: str) -> dict:
    """The named settings as the real settings module computes them from exactly this environment."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, default=str))"
    )
    env = clean_env(VOUCHERHUB_VAR_DIR=str(tmp_path / "var"), **extra)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "z" * 60, "ALLOWED_HOSTS": "vh.example.com"}


def test_production_mode_trusts_the_load_balancers_https_header_and_secures_cookies(tmp_path):
    loaded = read_settings(
        tmp_path,
        ["SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"],
        **PRODUCTION,
    )
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert loaded["SESSION_COOKIE_SECURE"] is True and loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is True


def test_hsts_and_csrf_origins_are_configured_from_the_environment(tmp_path):
    names = ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "CSRF_TRUSTED_ORIGINS"]
    defaults = read_settings(tmp_path, names, **PRODUCTION)
    assert defaults["SECURE_HSTS_SECONDS"] == 31536000
    assert defaults["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and defaults["SECURE_HSTS_PRELOAD"] is True
    chosen = read_settings(
        tmp_path,
        names,
        **PRODUCTION,
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_HSTS_PRELOAD="no",
        CSRF_TRUSTED_ORIGINS="https://vh.example.com,https://admin.example.com",
    )
    assert chosen["SECURE_HSTS_SECONDS"] == 3600
    assert chosen["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False and chosen["SECURE_HSTS_PRELOAD"] is False
    assert chosen["CSRF_TRUSTED_ORIGINS"] == ["https://vh.example.com", "https://admin.example.com"]


def test_production_logs_json_and_a_laptop_logs_text(tmp_path):
    assert read_settings(tmp_path, ["LOG_FORMAT"], **PRODUCTION)["LOG_FORMAT"] == "json"
    assert read_settings(tmp_path, ["LOG_FORMAT"])["LOG_FORMAT"] == "text"
    assert read_settings(tmp_path, ["LOG_FORMAT"], LOG_FORMAT="json")["LOG_FORMAT"] == "json"


def test_postgresql_connections_fail_fast_and_are_health_checked(tmp_path):
    loaded = read_settings(
        tmp_path,
        ["DATABASES"],
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/voucherhub",
        CONN_MAX_AGE="60",
        DB_CONNECT_TIMEOUT="4",
    )
    database = loaded["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True  # a stale persistent connection is replaced, not used
    assert database["OPTIONS"]["connect_timeout"] == 4


def test_static_root_can_be_moved_for_the_build_step(tmp_path):
    assert read_settings(tmp_path, ["STATIC_ROOT"])["STATIC_ROOT"] == str(ROOT / "staticfiles")
    moved = read_settings(tmp_path, ["STATIC_ROOT"], STATIC_ROOT=str(tmp_path / "static"))
    assert moved["STATIC_ROOT"] == str(tmp_path / "static")


def test_export_files_can_live_on_a_volume_shared_by_web_and_worker_nodes(tmp_path):
    assert read_settings(tmp_path, ["MEDIA_ROOT"])["MEDIA_ROOT"] == str(tmp_path / "var" / "media")
    shared = read_settings(tmp_path, ["MEDIA_ROOT"], MEDIA_ROOT=str(tmp_path / "shared"))
    assert shared["MEDIA_ROOT"] == str(tmp_path / "shared")
