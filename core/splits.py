"""Train/validation/test assignment by a stable hash of the document id.

A document's split depends on its id alone (BLAKE2b of the id, read as a number in [0, 1)), so it
never changes when the corpus grows, is re-crawled or is processed on another runner or number of
workers; `val` and `test` are the held-out WebText the evaluator measures generalization on.
The two fractions are settings (`--val-fraction`, `--test-fraction`) of the main job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from webtext.core.config import setting
from webtext.core.errors import ConfigError

SPLITS = ("train", "val", "test")


def id_point(doc_id: str, person: bytes) -> float:
    """BLAKE2b-64 of `doc_id`, personalised with `person`, as a number in [0, 1).

    Every per-document choice of the job is made with it, each with its own `person` so the
    choices do not correlate: the split (`webtext-split`), the token shard (`webtext-shard`), the
    documents file (`webtext-docfile`) and the tokenizer sample (`webtext-sample`). It depends on the
    id alone, so the choices are the same on any runner and any number of workers.
    """
    digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8, person=person).digest()
    return int.from_bytes(digest, "big") / 2**64


def index_of(point: float, count: int) -> int:
    """Which of `count` equal parts of [0, 1) holds `point` (an `id_point`): a document's shard or file."""
    return min(count - 1, int(point * count))


@dataclass(frozen=True)
class SplitRule:
    """Fractions of documents held out for validation and test; the rest is train."""

    val_fraction: float = setting(0.01, "fraction of documents held out as the val split")
    test_fraction: float = setting(0.01, "fraction of documents held out as the test split")

    def __post_init__(self) -> None:
        if not (min(self.val_fraction, self.test_fraction) >= 0 and self.val_fraction + self.test_fraction < 1):
            raise ConfigError("split fractions must be non-negative and leave room for train "
                              f"(val {self.val_fraction}, test {self.test_fraction}): "
                              "change --val-fraction/--test-fraction")

    def split_of(self, doc_id: str) -> str:
        """The split of the document with id `doc_id`."""
        point = id_point(doc_id, b"webtext-split")
        if point < self.val_fraction:
            return "val"
        if point < self.val_fraction + self.test_fraction:
            return "test"
        return "train"

    def describe(self) -> dict[str, object]:
        """The rule as recorded in the manifest."""
        return {"hash": "blake2b-64(person=webtext-split) of the document id / 2**64",
                "val": [0.0, self.val_fraction],
                "test": [self.val_fraction, self.val_fraction + self.test_fraction],
                "train": [self.val_fraction + self.test_fraction, 1.0]}
