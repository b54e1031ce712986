"""Train/validation/test assignment by a stable hash of the document id.

A document's split depends on its id alone (BLAKE2b of the id, read as a number in [0, 1)), so it
never changes when the corpus grows, is re-crawled or is processed on another runner or number of
workers; `val` and `test` are the held-out WebText the evaluator measures generalization on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class SplitRule:
    """Fractions of documents held out for validation and test; the rest is train."""

    val_fraction: float = 0.01
    test_fraction: float = 0.01

    def __post_init__(self) -> None:
        if min(self.val_fraction, self.test_fraction) < 0 or self.val_fraction + self.test_fraction >= 1:
            raise ValueError("split fractions must be non-negative and leave room for train "
                             f"(val {self.val_fraction}, test {self.test_fraction})")

    def split_of(self, doc_id: str) -> str:
        """The split of the document with id `doc_id`."""
        digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8, person=b"webtext-split").digest()
        point = int.from_bytes(digest, "big") / 2**64
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
