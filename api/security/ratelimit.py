"""Per-key request rate limits, and a lower one for refused attempts per client address (to
slow key guessing), with the `limits` library (moving window). Counts live in memory, or in
Redis when IQS_RATE_LIMIT_STORAGE or IQS_BROKER_URL names one, so that several server
processes share them. A storage that fails lets the request through, logged: rate limits
protect the service, they must not take it down."""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.settings import Settings

log = logging.getLogger("iqs.security")


def storage_url(settings: Settings) -> str:
    if settings.rate_limit_storage:
        return settings.rate_limit_storage
    if settings.broker_url and settings.broker_url.startswith(("redis://", "rediss://")):
        return settings.broker_url
    return "memory://"


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.storage = storage_from_string(storage_url(settings))
        assert isinstance(self.storage, Storage)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_key: RateLimitItem | None = parse(settings.rate_limit) \
            if settings.rate_limit else None
        self.refused: RateLimitItem | None = parse(settings.refused_rate_limit) \
            if settings.refused_rate_limit else None
        self.namespace = f"iqs:{settings.queue}"

    def hit_key(self, key_id: str) -> int | None:
        """Count a request of the key; seconds to wait when it is over its limit."""
        return self._hit(self.per_key, "key", key_id)

    def refused_wait(self, client: str) -> int | None:
        """Seconds the client must wait when its refused attempts are over their limit."""
        if self.refused is None:
            return None
        try:
            if self.limiter.test(self.refused, self.namespace, "refused", client):
                return None
            return self._wait(self.refused, "refused", client)
        except Exception:
            log.exception("rate limit storage failed; request let through")
            return None

    def hit_refused(self, client: str) -> None:
        self._hit(self.refused, "refused", client)

    def _hit(self, item: RateLimitItem | None, kind: str, who: str) -> int | None:
        if item is None:
            return None
        try:
            if self.limiter.hit(item, self.namespace, kind, who):
                return None
            return self._wait(item, kind, who)
        except Exception:
            log.exception("rate limit storage failed; request let through")
            return None

    def _wait(self, item: RateLimitItem, kind: str, who: str) -> int:
        stats = self.limiter.get_window_stats(item, self.namespace, kind, who)
        return max(1, math.ceil(stats.reset_time - time.time()))
