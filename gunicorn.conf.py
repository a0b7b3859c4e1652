"""gunicorn settings for the web process (Procfile): threads suit views that wait on Discord."""

import multiprocessing
import os

from fightrise.logs import logging_config

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
# Views spend their time waiting on Discord and the database, so each worker runs threads;
# WEB_CONCURRENCY (set by most platforms) picks the number of processes.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count(), 4)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, staggered, so that no leak grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Trust X-Forwarded-* only from the proxy in front (BEHIND_PROXY in settings does the rest).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
_level = os.environ.get("LOG_LEVEL", "INFO").upper()
_gunicorn = {"handlers": ["console"], "level": _level, "propagate": False}
logconfig_dict = logging_config(
    _level, extra_loggers={"gunicorn.error": _gunicorn, "gunicorn.access": _gunicorn}
)
