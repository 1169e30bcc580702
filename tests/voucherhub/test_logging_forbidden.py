"""A 403 is logged as one line by django.request, without the PermissionDenied traceback."""

import logging

import pytest
from django.urls import reverse

from voucherhub.logging import ForbiddenWithoutTraceback, JsonFormatter

pytestmark = pytest.mark.django_db


def test_a_403_logs_one_warning_line_without_a_traceback(role_user, client, caplog):
    client.force_login(role_user("Staff"))  # Staff may not read the request logs
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("auditlog:logs"))
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.WARNING and record.status_code == 403
    assert "Forbidden" in record.getMessage() and reverse("auditlog:logs") in record.getMessage()
    assert record.exc_info is None and not record.exc_text
    assert "Traceback" not in caplog.text and "PermissionDenied" not in caplog.text


def test_the_filter_keeps_tracebacks_of_other_statuses():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    for status, kept in ((403, False), (500, True)):
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), exc_info)
        record.status_code = status
        assert ForbiddenWithoutTraceback().filter(record) is True
        assert (record.exc_info is not None) is kept
        assert ("Traceback" in JsonFormatter().format(record)) is kept


def test_logging_settings_wire_the_filter_on_django_request(settings):
    django_request = settings.LOGGING["loggers"]["django.request"]
    filters = settings.LOGGING["filters"]
    assert any(
        filters[name]["()"] == "voucherhub.logging.ForbiddenWithoutTraceback" for name in django_request["filters"]
    )
