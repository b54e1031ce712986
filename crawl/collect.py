"""Feed Reddit submissions (from the listing API or a dump file) through the link rules into the store.

Both sources produce the same submission dicts, so both go through `LinkCollector`: each post
ends kept (its URL recorded with the post's provenance) or refused with a named reason, and is
counted either way. A post already in the store is not counted again, only its score refreshed,
which keeps collection incremental: rerunning over the same listing or dump adds nothing new.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from webtext.core import reasons
from webtext.crawl.rules import LinkRules, post_id_of
from webtext.crawl.store import KeptPost, LinkStore

KEPT = "kept"
KNOWN = "already_known"
_COMMIT_EVERY = 2000


class LinkCollector:
    """Apply `rules` to submissions and record the outcome in `store`, batching commits."""

    def __init__(self, store: LinkStore, rules: LinkRules) -> None:
        self.store = store
        self.rules = rules
        self.counts: Counter[str] = Counter()
        self._uncommitted = 0

    def add(self, post: dict[str, Any]) -> str:
        """Record one submission; returns `kept`, `already_known` or the drop reason."""
        if not self.store.db.in_transaction:
            self.store.transaction()
        post_id = post_id_of(post)
        outcome = self.rules.check(post)
        known = bool(post_id) and self.store.known_post(post_id)
        if not post_id:
            outcome = reasons.LINK_INVALID_URL
        if isinstance(outcome, KeptPost):
            self.store.add_post(outcome)
            result = KNOWN if known else KEPT
        else:
            if not known:
                self.store.add_drop(post_id, str(post.get("url") or ""), outcome)
            result = KNOWN if known else outcome
        self.counts[result] += 1
        self._uncommitted += 1
        if self._uncommitted >= _COMMIT_EVERY:
            self.flush()
        return result

    def flush(self) -> None:
        self.store.commit()
        self._uncommitted = 0

    def finish(self, min_score: int, sum_scores: bool) -> dict[str, int]:
        """Commit, apply the karma threshold, and return the counts of this collection."""
        self.flush()
        self.store.transaction()
        self.store.apply_threshold(min_score, sum_scores)
        self.store.commit()
        return dict(self.counts)
