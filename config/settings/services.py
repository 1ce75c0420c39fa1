"""The cache and logging settings, built from the environment by small functions that tests call.

base.py calls them once with the environment's values; tests/config calls them with others.
"""

from __future__ import annotations

from typing import Any

# A node must never hang on a dead Redis: a page waits at most these seconds for the cache.
REDIS_CONNECT_TIMEOUT = 1
REDIS_SOCKET_TIMEOUT = 1


def caches_for(*, redis_url: str) -> dict[str, Any]:
    """CACHES: Redis shared by every node when `redis_url` is set, local memory otherwise.

    django-redis rather than Django's own RedisCache: the issue names it, and it gives
    IGNORE_EXCEPTIONS (a reachable-or-not decision per cache alias, logged) and connection pool
    options, which the built-in backend lacks. Every current use of the cache prefers to go on
    without it: the start rate limit and the API throttle let requests through, and nothing kept
    there is the only copy (sessions stay in the database, settings base.py).
    """
    if not redis_url:
        # `make demo` needs nothing but Python: one process, its own memory.
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "saualnama",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                # An unreachable Redis reads as a miss (get returns the default, writes None):
                # callers fail open, and django-redis logs each one (settings base.py).
                "IGNORE_EXCEPTIONS": True,
                "CONNECTION_POOL_KWARGS": {"max_connections": 50},
            },
        }
    }


def logging_for(*, fmt: str, level: str) -> dict[str, Any]:
    """LOGGING: one console handler, JSON lines when `fmt` is "json", plain text otherwise.

    Every record passing the handler gets the request id and has invitation tokens, resume keys
    and API tokens removed (config.logs); the formatters redact their output once more, as
    tracebacks and extra fields do not go through the message.
    """
    formatter = "json" if fmt.strip().lower() == "json" else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "config.request_id.RequestIdFilter"},
            "redact": {"()": "config.logs.RedactFilter"},
        },
        "formatters": {
            "plain": {
                "()": "config.logs.RedactingFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            },
            "json": {
                "()": "config.logs.RedactingJsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": True,  # ISO 8601 in UTC, whatever the node's time zone
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id", "redact"],
                "formatter": formatter,
            }
        },
        "root": {"handlers": ["console"], "level": level.upper() or "WARNING"},
    }
