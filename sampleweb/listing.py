"""The sample web's Reddit-compatible listing API.

Answers `/r/{sub}/{sort}.json` the way Reddit's public JSON does (reddit.com/dev/api, "listings"):
a `Listing` whose `children` are `t3` things with the real submission fields; `limit` defaults to
25 and is capped at 100; `after`/`before` page by fullname (`t3_<id>`); `t=` selects the time
window of `top`; `sub` may be `all` or several names joined with `+`; a listing stops after
about 1,000 items, as Reddit's do. Rate limiting follows Reddit's headers (`X-Ratelimit-Used`,
`-Remaining`, `-Reset`) and answers 429 when a client exceeds its budget. An `Authorization:
Bearer` token must be one issued by `/api/v1/access_token` (client-credentials flow).
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

MAX_LIMIT = 100
MAX_ITEMS = 1000
_WINDOWS = {"hour": 3600, "day": 86400, "week": 7 * 86400, "month": 31 * 86400, "year": 366 * 86400}


def _hot(post: dict[str, Any]) -> float:
    """Reddit's published hot rank: log-scaled score plus recency (12.5 hours per order of magnitude)."""
    score = post["score"]
    order = math.log10(max(abs(score), 1))
    sign = 1 if score > 0 else -1 if score < 0 else 0
    return round(sign * order + (post["created_utc"] - 1134028003) / 45000, 7)


def listing(posts: list[dict[str, Any]], now: int, sub: str, sort: str, query: str) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of one listing request."""
    params = {k: v[-1] for k, v in parse_qs(query).items()}
    if sort not in ("top", "new", "hot"):
        return 404, {"message": "Not Found", "error": 404}
    names = {s.lower() for s in sub.split("+")}
    chosen = [p for p in posts if "all" in names or p["subreddit"].lower() in names]
    if sort == "top":
        window = params.get("t", "day")
        if window in _WINDOWS:
            chosen = [p for p in chosen if p["created_utc"] >= now - _WINDOWS[window]]
        chosen.sort(key=lambda p: (-p["score"], p["id"]))
    elif sort == "new":
        chosen.sort(key=lambda p: (-p["created_utc"], p["id"]))
    else:
        chosen.sort(key=lambda p: (-_hot(p), p["id"]))
    chosen = chosen[:MAX_ITEMS]
    try:
        limit = max(1, min(int(params.get("limit", 25)), MAX_LIMIT))
    except ValueError:
        limit = 25
    names_in_order = [p["name"] for p in chosen]
    start, end = 0, len(chosen)
    if params.get("after") in names_in_order:
        start = names_in_order.index(params["after"]) + 1
        end = min(start + limit, len(chosen))
    elif params.get("before") in names_in_order:
        end = names_in_order.index(params["before"])
        start = max(0, end - limit)
    else:
        end = min(limit, len(chosen))
    page = chosen[start:end]
    return 200, {"kind": "Listing", "data": {
        "after": page[-1]["name"] if page and end < len(chosen) else None,
        "before": page[0]["name"] if page and start > 0 else None,
        "dist": len(page), "modhash": "", "geo_filter": "",
        "children": [{"kind": "t3", "data": p} for p in page]}}


@dataclass
class RateLimiter:
    """Reddit-style fixed-window request budget per client."""

    budget: int = 600
    window: float = 60.0
    _used: dict[str, int] = field(default_factory=dict)
    _start: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, client: str) -> tuple[bool, list[tuple[str, str]]]:
        """Count one request of `client`: (allowed, X-Ratelimit-* headers)."""
        with self._lock:
            now = time.monotonic()
            if now - self._start >= self.window:
                self._start, self._used = now, {}
            used = self._used.get(client, 0) + 1
            self._used[client] = used
            reset = max(0, int(self.window - (now - self._start)))
        headers = [("X-Ratelimit-Used", str(used)),
                   ("X-Ratelimit-Remaining", f"{max(0, self.budget - used)}.0"),
                   ("X-Ratelimit-Reset", str(reset))]
        return used <= self.budget, headers


@dataclass
class TokenIssuer:
    """Issues bearer tokens for the client-credentials flow and checks them."""

    _tokens: set[str] = field(default_factory=set)

    def issue(self, client_id: str) -> dict[str, Any]:
        token = f"sample-{client_id}-{len(self._tokens) + 1}"
        self._tokens.add(token)
        return {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"}

    def valid(self, authorization: str) -> bool:
        return not authorization or (authorization.startswith("Bearer ")
                                     and authorization[7:] in self._tokens)


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True).encode("utf-8")
