"""MinHash LSH banding: choosing bands x rows for a Jaccard threshold, and the band keys.

A signature of b*r values is cut into b bands of r rows; two documents become candidates when
any band is equal, which happens with probability 1 - (1 - s^r)^b for Jaccard similarity s
(Leskovec, Rajaraman and Ullman, "Mining of Massive Datasets", chapter 3.4). `optimal_bands`
picks (b, r) the way datasketch's `MinHashLSH` does: minimize the weighted sum of the false
positive probability (the integral of that curve below the threshold) and the false negative
probability (the integral of its complement above it), over all b*r <= num_perm. Integrals use
composite Simpson's rule on 256 intervals (datasketch uses scipy's `quad`; a test checks both
give the same choice).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_INTERVALS = 256


def _integral(b: int, r: int, low: float, high: float, complement: bool) -> float:
    s = np.linspace(low, high, _INTERVALS + 1)
    curve = 1.0 - (1.0 - s ** float(r)) ** float(b)
    values = 1.0 - curve if complement else curve
    weights = np.ones(_INTERVALS + 1)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    return float((high - low) / (3 * _INTERVALS) * np.dot(weights, values))


@dataclass(frozen=True)
class Banding:
    """The chosen LSH layout and its error probabilities at the threshold."""

    bands: int
    rows: int
    threshold: float
    false_positive: float
    false_negative: float

    def describe(self) -> str:
        """One line for logs and reports."""
        return (f"MinHash LSH: {self.bands} bands x {self.rows} rows for Jaccard threshold "
                f"{self.threshold} (false-positive area {self.false_positive:.4f}, "
                f"false-negative area {self.false_negative:.4f})")


@lru_cache(maxsize=32)
def optimal_bands(threshold: float, num_perm: int, false_positive_weight: float = 0.5,
                  false_negative_weight: float = 0.5) -> Banding:
    """The (bands, rows) with the smallest weighted false positive + false negative area."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"Jaccard threshold must be between 0 and 1, not {threshold}")
    best: Banding | None = None
    best_error = float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _integral(b, r, 0.0, threshold, complement=False)
            fn = _integral(b, r, threshold, 1.0, complement=True)
            error = fp * false_positive_weight + fn * false_negative_weight
            if error < best_error:
                best_error, best = error, Banding(b, r, threshold, fp, fn)
    assert best is not None
    return best


def band_keys(signature: np.ndarray, banding: Banding) -> list[bytes]:
    """One key per band: the band index (2 bytes) then its rows' bytes, so bands never collide."""
    rows = banding.rows
    return [band.to_bytes(2, "big") + signature[band * rows:(band + 1) * rows].tobytes()
            for band in range(banding.bands)]
