"""One JSON object per log line, for production (LOG_FORMAT=json; see LOGGING in settings).

Twenty lines of our own instead of a dependency: the standard fields, any ``extra={...}`` the caller
passed (the request line's request_id, method, path, status, duration_ms), and the traceback as text.
"""

import json
import logging
import re
from datetime import UTC, datetime

REMOVED = "[removed]"
# A secret handed over in a URL or a form body: an export's download token (?token=...), a password, a key.
SECRET_IN_TEXT = re.compile(r"((?:token|password|secret|api[_-]?key)=)[^&\s\"']+", re.IGNORECASE)

# Attributes every LogRecord has; anything else on a record came from ``extra`` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class SkipServiceUnavailable(logging.Filter):
    """For ``django.request``: a 503 (database outage, /readyz saying no) is already logged once by our
    middleware, without a traceback; Django would log each again with one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 503


class ForbiddenWithoutTraceback(logging.Filter):
    """For ``django.request``: a 403 (a user without the permission) is an expected answer, not a fault.
    Django logs it with the PermissionDenied traceback; keep its one line and drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


class RedactSecrets(logging.Filter):
    """For the servers' access lines (runserver's ``django.server``; gunicorn's access log leaves query
    strings out, see gunicorn.conf.py): the line with every ``token=...`` and the like replaced by
    ``[removed]``, so that a download link or a key never reaches a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_IN_TEXT.sub(r"\1" + REMOVED, message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
