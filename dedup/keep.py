"""Which document of a duplicate group is kept, and the exact-duplicate key of a text.

Keep rule (the same for exact and near duplicates): the highest Reddit score wins, because
WebText selected pages by the karma of the posts linking them (Radford et al. 2019, section
2.1); then the earliest fetch (the first copy seen); then the smallest id, so the choice never
depends on input order or on how the work was split. A document without a fetch time ranks after
those with one.

Exact duplicates are texts equal after normalization: Unicode NFKC (compatibility forms such as
ligatures and full-width letters folded), case folding, and every run of whitespace made one
space, trimmed. Groups are keyed by a 128-bit BLAKE2b digest of that form.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable

from webtext.core.document import Document

KeepKey = tuple[int, bool, str, str]


def keep_key(doc: Document) -> KeepKey:
    """Sort key whose minimum is the document to keep: (-score, no fetch time, fetched_at, id)."""
    return (-doc.score, not doc.fetched_at, doc.fetched_at, doc.id)


def choose_kept(docs: Iterable[Document]) -> Document:
    """The document of a group that the keep rule keeps."""
    return min(docs, key=keep_key)


def normalize_exact(text: str) -> str:
    """NFKC, case-folded, whitespace runs collapsed to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def exact_key(text: str) -> str:
    """Hex digest identifying the normalized text (equal for exact duplicates)."""
    return hashlib.blake2b(normalize_exact(text).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
