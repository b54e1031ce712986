"""Plain-language readings of the eval tables: what a number means, in one sentence.

The thresholds are stated so a reader can disagree with them:

- overlap is compared with GPT-2's 3.2% average for WebText and 5.9% for the test sets' own
  training splits (Radford et al. 2019, Table 6);
- held-out perplexity within `OVERFIT_GAP` (10%) of train is read as no sign of overfitting,
  as in GPT-2's Figure 4 where train and test perplexity stay close while both fall;
- a training extraction rate above the held-out rate with a one-sided p-value below
  `SIGNIFICANCE` (0.05) is read as memorization (Carlini et al. 2022 compare the two the same way,
  without the test);
- a dirty bucket's perplexity more than `OVERFIT_GAP` below the clean bucket's is read as overlap
  helping the model (GPT-3's clean/dirty comparison, Brown et al. 2020, section 4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from webtext.eval.overlap import GPT2_MEAN_OVERLAP, GPT2_MEAN_OWN_TRAIN

OVERFIT_GAP = 10.0  # percent
SIGNIFICANCE = 0.05


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def read_overlap(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Sentences on the overlap table."""
    sets = [r for r in rows if r["eval_set"] != "average" and _number(r.get("percent")) is not None]
    if not sets:
        return ["No evaluation set had an 8-gram to measure."]
    mean = sum(r["percent"] for r in sets) / len(sets)
    most = max(sets, key=lambda r: r["percent"])
    compared = "below" if mean < GPT2_MEAN_OVERLAP else "above"
    lines = [f"On average {mean:.2f}% of the evaluation sets' 8-grams occur in the training text, {compared} the "
             f"{GPT2_MEAN_OVERLAP}% GPT-2 measured between WebText and its test sets; the most overlapping set is "
             f"{most['eval_set']} at {most['percent']:.2f}%."]
    owns = [r for r in sets if _number(r.get("own_train_percent")) is not None]
    if owns:
        own_mean = sum(r["own_train_percent"] for r in owns) / len(owns)
        lines.append(f"Against their own training splits the sets overlap {own_mean:.2f}% on average "
                     f"(GPT-2: {GPT2_MEAN_OWN_TRAIN}%).")
    return lines


def read_perplexity(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Sentences on the perplexity table: overfitting per checkpoint, and the trend with size."""
    lines = [_gap_sentence(row, key[len("gap_"):]) for row in rows for key in row if key.startswith("gap_")]
    sizes = sorted({r["params"] for r in rows})
    if len(sizes) > 1:
        small = min(rows, key=lambda r: (r["params"], -r["step"]))
        large = max(rows, key=lambda r: (r["params"], r["step"]))
        falls = [s for s in (k[len("ppl_"):] for k in large if k.startswith("ppl_"))
                 if s in [k[len("ppl_"):] for k in small if k.startswith("ppl_")]]
        together = all(large[f"ppl_{s}"] < small[f"ppl_{s}"] for s in falls)
        trend = "fall together" if together else "do not all fall"
        lines.append(f"From {small['params']:,} to {large['params']:,} parameters, train and held-out perplexity "
                     f"{trend} (as in GPT-2's Figure 4, where larger models still underfit WebText).")
    return lines


def _gap_sentence(row: dict[str, Any], split: str) -> str:
    """How far held-out `split`'s perplexity is from train's, and what that says."""
    gap = row[f"gap_{split}"]
    if abs(gap) <= OVERFIT_GAP:
        verdict = f"within {abs(gap):.1f}% of train: no sign of overfitting"
    elif gap > 0:
        verdict = f"{gap:.1f}% above train: the model fits its training text better than unseen text (overfitting)"
    else:
        verdict = f"{-gap:.1f}% below train: the held-out text is easier than the training text"
    return f"{row['model']}: {split} perplexity {row[f'ppl_{split}']:.2f} is {verdict}."


def read_buckets(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Sentences comparing the clean and dirty buckets of each model and evaluation set."""
    lines = []
    pairs = {(r["model"], r["eval_set"]) for r in rows}
    for model, eval_set in sorted(pairs):
        mine = [r for r in rows if (r["model"], r["eval_set"]) == (model, eval_set) and _number(r["perplexity"])]
        clean = next((r for r in mine if r["bucket"].startswith("clean")), None)
        dirty = [r for r in mine if not r["bucket"].startswith("clean")]
        if clean is None or not dirty:
            continue
        worst = dirty[-1]
        change = 100.0 * (worst["perplexity"] / clean["perplexity"] - 1.0)
        helped = "overlap helps the model" if change < -OVERFIT_GAP else "overlap makes little difference"
        lines.append(f"{model} on {eval_set}: perplexity {worst['perplexity']:.2f} on {worst['bucket']} documents "
                     f"against {clean['perplexity']:.2f} on clean ones ({change:+.1f}%): {helped}.")
    return lines


def read_memorization(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Sentences on the memorization table, one per checkpoint."""
    return [_memorization_sentence(row) for row in rows]


def _memorization_sentence(row: dict[str, Any]) -> str:
    p = _number(row.get("p_value"))
    detected = row["train_rate"] > row["heldout_rate"] and p is not None and p < SIGNIFICANCE
    verdict = ("memorization detected: the model reproduces training text it cannot predict in general"
               if detected else "no evidence of memorization beyond what the model predicts on unseen text")
    p_text = f", p = {p:.2g}" if p is not None else ""
    return (f"{row['model']}: {row['train_rate']:.1%} of {row['train_sequences']} training sequences are "
            f"extracted exactly, against {row['heldout_rate']:.1%} of {row['heldout_sequences']} held-out "
            f"sequences ({row['difference']:+.1f} points{p_text}): {verdict}.")


def read_repetition(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Sentences on extraction by occurrence count (training sequences only)."""
    lines = []
    for model in dict.fromkeys(r["model"] for r in rows):
        seen = [r for r in rows if r["model"] == model and r["source"] == "train" and r["sequences"]]
        if len(seen) > 1:
            parts = ", ".join(f"{r['rate']:.0%} of sequences seen {r['bucket']} times" for r in seen)
            lines.append(f"{model}: extracted {parts}.")
    return lines
