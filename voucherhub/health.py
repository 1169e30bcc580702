"""Readiness checks for /readyz: can this node reach its database and its broker right now?

Each check answers True or False within a few seconds and never raises; why a check failed goes to
the log, never into the answer (a load balancer, or anyone, may call /readyz).
"""

import logging

from django.db import Error as DatabaseError
from django.db import connection

log = logging.getLogger(__name__)

BROKER_TIMEOUT = 2.0  # seconds; the database's is DATABASES OPTIONS connect_timeout (DB_CONNECT_TIMEOUT)


def database_ready() -> bool:
    """One round trip on this thread's connection (Django reconnects if the last one broke)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        # Do not keep a broken persistent connection for the next request.
        connection.close_if_unusable_or_obsolete()
        return False
    return True


def broker_ready() -> bool:
    """Open (and close) a connection to the Celery broker, without kombu's retry loop."""
    from voucherhub.celery import app

    try:
        # kombu's redis transport ignores connect_timeout and takes its socket timeouts from transport options
        timeouts = {"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT}
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT, transport_options=timeouts) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
    except Exception as exc:  # kombu raises transport-specific errors (OperationalError, OSError, redis errors)
        log.warning("readiness: broker unreachable (%s)", type(exc).__name__)
        return False
    return True


def ready() -> bool:
    database = database_ready()
    broker = broker_ready()  # checked even when the database is down, so the log names both
    return database and broker
