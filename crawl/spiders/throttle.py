"""Waiting politely: retries with exponential backoff, and Reddit's rate-limit headers.

- `BackoffRetryMiddleware`: Scrapy's retry of 5xx answers and timeouts, but each retry waits
  `RETRY_BACKOFF_BASE * 2**(n-1)` seconds first instead of going out at once (exponential
  backoff, as in RFC 6298's retransmission timer and every cloud API's retry guidance).
- `RateLimitMiddleware` (listing API only): reads `X-Ratelimit-Remaining` / `X-Ratelimit-Reset`
  (Reddit's API rules: about 100 requests a minute per client) and, when the budget is spent,
  holds the next request until the window resets; a 429 answer is retried after `Retry-After`
  or the reset time, or an exponential backoff when neither is given.
- `WaitMiddleware`: the one place that sleeps, until a request's `meta["not_before"]` time.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.asyncio import sleep

log = logging.getLogger(__name__)

NOT_BEFORE = "not_before"


class WaitMiddleware:
    """Delay a request until `meta["not_before"]` (a `time.monotonic()` value)."""

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        wait = request.meta.get(NOT_BEFORE, 0.0) - time.monotonic()
        if wait > 0:
            await sleep(wait)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's `RetryMiddleware` with an exponentially growing wait before each retry."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)

    def _retry(self, request: Request, reason: Any, *args: Any, **kwargs: Any) -> Request | None:
        retry = super()._retry(request, reason, *args, **kwargs)
        if retry is not None:
            tries = retry.meta.get("retry_times", 1)
            retry.meta[NOT_BEFORE] = time.monotonic() + self.backoff_base * 2 ** (tries - 1)
        return retry


class RateLimitMiddleware:
    """Honour Reddit's rate-limit headers and 429 answers for the listing API."""

    def __init__(self, max_tries: int = 6) -> None:
        self.resume_at = 0.0
        self.max_tries = max_tries

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if self.resume_at > time.monotonic():
            request.meta[NOT_BEFORE] = max(request.meta.get(NOT_BEFORE, 0.0), self.resume_at)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        reset = _number(response.headers.get("X-Ratelimit-Reset"))
        remaining = _number(response.headers.get("X-Ratelimit-Remaining"))
        if remaining is not None and remaining < 1 and reset:
            self.resume_at = time.monotonic() + reset
            log.info("rate limit spent; waiting %.0f s for the window to reset", reset)
        if response.status != 429:
            return response
        tries = request.meta.get("rate_limited", 0) + 1
        if tries > self.max_tries:
            return response
        wait = _number(response.headers.get("Retry-After")) or reset or float(2 ** tries)
        self.resume_at = max(self.resume_at, time.monotonic() + wait)
        log.info("429 Too Many Requests; retrying in %.0f s", wait)
        retry = request.replace(dont_filter=True)
        retry.meta["rate_limited"] = tries
        retry.meta[NOT_BEFORE] = self.resume_at
        return retry


def _number(value: bytes | None) -> float | None:
    try:
        return float(value.decode()) if value else None
    except ValueError:
        return None
