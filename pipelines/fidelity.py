"""How close the corpus's domain mix is to WebText's, by WebText's 1,000 most frequent domains.

The reference is `domains.txt` of the GPT-2 release (OpenAI 2019, https://github.com/openai/gpt-2,
under its modified MIT licence), packaged as `webtext_domains.txt`: one line `count label` per
domain, a domain named by its label, the registered domain without its public suffix (`nytimes`,
`bbc`, `blogspot`). Labels are compared lower-cased (the list writes `Omegle` and `Twitch`); one
line has an empty label, which stays the label "" (a corpus document gets it only when it has no
host). A corpus document's label is that of its registered domain (`webtext_label`, by
`webtext.core.urls.domain_parts`), so `www.bbc.co.uk` and `bbc.com` both count for `bbc`, as they
do in the reference.

`compare` gives the report's `webtext` figures, from the kept documents per registered domain
(`domains.csv`, `webtext.pipelines.profile`):

- `share`: the share of the kept documents whose label is among the 1,000 (`in_reference`);
- `common`: the labels in both, out of the corpus's `corpus_labels`;
- `spearman`: Spearman's rank correlation of the document counts of the common labels, the corpus's
  against WebText's (ties take their average rank); None with fewer than 3 common labels, or when
  either side's counts are all equal (the correlation is undefined);
- `largest`: the (at most) 10 reference labels whose shares differ most, both shares taken within
  the reference labels: the label's documents over the corpus documents in reference labels, and
  its WebText count over the sum of the 1,000 counts. Empty when no document is in the reference.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import numpy as np
from webtext.core import filesys
from webtext.core.errors import BadFileError
from webtext.core.urls import domain_parts
from webtext.pipelines.profile import DOMAINS_CSV

REFERENCE = "WebText's 1,000 most frequent domains (OpenAI, GPT-2 release, 2019)"
REFERENCE_FILE = "webtext_domains.txt"
LARGEST = 10
MIN_COMMON = 3


def webtext_label(domain: str) -> str:
    """The label WebText's list names `domain` by: its registered domain without the public suffix
    (`nytimes.com` -> `nytimes`, `news.bbc.co.uk` -> `bbc`; an IP address is its own label)."""
    return domain_parts(domain)[0]


@functools.cache
def _reference() -> tuple[tuple[str, int], ...]:
    text = files("webtext.pipelines").joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            count, _, label = line.strip().partition(" ")
            pairs.append((label.strip().lower(), int(count)))
    return tuple(pairs)


def reference_domains() -> dict[str, int]:
    """WebText's documents per label of its 1,000 most frequent domains, most first."""
    return dict(_reference())


def label_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Documents per label (`webtext_label`) of documents per registered domain."""
    labels: dict[str, int] = {}
    for domain, n in counts.items():
        label = webtext_label(domain)
        labels[label] = labels.get(label, 0) + n
    return labels


def reference_shares(labels: Mapping[str, int]) -> dict[str, tuple[float, float]]:
    """{reference label: (corpus share, WebText share)}, both within the reference labels (see the
    module docstring), for every reference label; {} when no document has a reference label."""
    reference = reference_domains()
    inside = sum(n for label, n in labels.items() if label in reference)
    if not inside:
        return {}
    total = sum(reference.values())
    return {label: (labels.get(label, 0) / inside, count / total) for label, count in reference.items()}


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of `values`, ties taking the average of the ranks they span."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2)[inverse]


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation of paired values; None with fewer than `MIN_COMMON` pairs or
    when either side is constant."""
    if len(xs) < MIN_COMMON:
        return None
    rx, ry = _ranks(np.asarray(xs, dtype=float)), _ranks(np.asarray(ys, dtype=float))
    dx, dy = rx - rx.mean(), ry - ry.mean()
    spread = float(np.sqrt((dx * dx).sum() * (dy * dy).sum()))
    return float((dx * dy).sum() / spread) if spread else None


def compare(counts: Mapping[str, int]) -> dict[str, Any]:
    """The `webtext` figures (see the module docstring) of kept documents per registered domain."""
    reference = reference_domains()
    labels = label_counts(counts)
    common = sorted(label for label in labels if label in reference)
    in_reference = sum(labels[label] for label in common)
    documents = sum(labels.values())
    shares = reference_shares(labels)
    largest = sorted(shares.items(), key=lambda kv: (-abs(kv[1][0] - kv[1][1]), kv[0]))[:LARGEST]
    return {"reference": REFERENCE, "reference_labels": len(reference), "documents": documents,
            "in_reference": in_reference, "share": in_reference / documents if documents else 0.0,
            "corpus_labels": len(labels), "common": len(common),
            "spearman": spearman([labels[label] for label in common], [reference[label] for label in common]),
            "largest": [{"label": label, "corpus_share": ours, "webtext_share": theirs}
                        for label, (ours, theirs) in largest]}


def read_domains(path: str) -> dict[str, int]:
    """Documents per registered domain from `domains.csv` (`webtext.pipelines.profile`) at `path`."""
    try:
        rows = list(csv.DictReader(io.StringIO(filesys.read_bytes(path).decode("utf-8"))))
        return {row["domain"]: int(row["documents"]) for row in rows}
    except FileNotFoundError:
        raise BadFileError(path, "not found: the corpus's documents per domain are written there") from None
    except (UnicodeDecodeError, KeyError, ValueError, TypeError) as error:
        raise BadFileError(path, f"not a domains table (domain,documents,share): {error}") from None


def compare_output(out: str) -> dict[str, Any]:
    """The `webtext` figures of the corpus in the output directory `out` (from its `domains.csv`)."""
    return compare(read_domains(filesys.join(out, DOMAINS_CSV)))
