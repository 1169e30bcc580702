"""gunicorn settings for a web node, from the environment (``gunicorn voucherhub.wsgi -c gunicorn.conf.py``).

    PORT / GUNICORN_BIND    where to listen (default 0.0.0.0:$PORT, PORT 8000); behind the load balancer only
    WEB_CONCURRENCY         worker processes (default 2 x CPU cores, at most 8)
    GUNICORN_THREADS        threads per worker (default 4; each thread may hold one database connection)
    GUNICORN_TIMEOUT        seconds before a silent worker is killed and replaced (default 30)
    GUNICORN_KEEPALIVE      seconds an idle keep-alive connection is held (default 5; above the LB's idle timeout
                            if the LB reuses connections)
    GUNICORN_ACCESS_LOG     "-" for gunicorn's own access log on stdout; off by default, because the app logs
                            one JSON line per request with its request id (voucherhub.middleware.RequestLogMiddleware)
    FORWARDED_ALLOW_IPS     addresses of the load balancers whose X-Forwarded-* headers are trusted (default 127.0.0.1)
    GUNICORN_CONTROL_SOCKET path of gunicorn's control socket (for gunicornc); off by default, because every
                            gunicorn on a machine would otherwise share ~/.gunicorn/gunicorn.ctl

Database connections: workers x threads per node must stay under PostgreSQL's max_connections across all
nodes (see docs/deploy.md).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count(), 8))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow without bound; jitter keeps them from restarting together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = max_requests // 10
# The longest request line gunicorn reads (its maximum; the default is 4094). The app itself answers
# addresses over 4,096 characters with 414 in the API's error shape (auditlog.middleware.MAX_URL_LENGTH), so
# clients meet gunicorn's own plain 414 page only above this.
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# When on: the path without its query string (an export's download link carries its token there), and no
# referrer (which can carry one too).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
# Import the app before forking: faster worker starts, and a bad setting stops the master at once.
preload_app = True

# gunicorn's own lines (start, worker boot and exit, timeouts) in the app's format: JSON in production
# (DEBUG=0) unless LOG_FORMAT=text, as voucherhub/settings.py decides for the app's lines.
_debug = os.environ.get("DEBUG", "1").strip().lower() in {"", "1", "true", "yes", "on"}
if (os.environ.get("LOG_FORMAT") or ("text" if _debug else "json")).strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "voucherhub.logging.JsonFormatter"}},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["json"], "level": "INFO"},  # replaces gunicorn's default, which names its handlers
        "loggers": {
            # no level: gunicorn has already set its error log's from loglevel (or --log-level)
            "gunicorn.error": {"handlers": ["json"], "propagate": False},
            # gunicorn writes access lines whenever logconfig_dict is set; keep them off unless asked for.
            "gunicorn.access": {"handlers": ["json"], "level": "INFO" if accesslog else "WARNING", "propagate": False},
        },
    }


def when_ready(server):
    """In the master, once the app is imported and before the workers fork: move every object that exists
    now (Django, the apps, their modules) out of the garbage collector's sight. Workers then never scan
    them in a full collection (shorter pauses: bench/api_throughput.py's p99 dropped ~10 %), and the pages
    holding them stay shared with the master instead of being copied when a collection touches them."""
    import gc

    gc.freeze()
