"""Plain-language readings of the eval tables: what a number means, as `Finding`s.

The thresholds (`webtext.eval.findings`) are stated so a reader can disagree with them:

- overlap is compared with GPT-2's 3.2% average for WebText and 5.9% for the test sets' own
  training splits (Radford et al. 2019, Table 6);
- held-out perplexity within `OVERFIT_GAP` (10%) of train is read as no sign of overfitting,
  as in GPT-2's Figure 4 where train and test perplexity stay close while both fall;
- a training extraction rate above the held-out rate with a one-sided p-value below
  `SIGNIFICANCE` (0.05) is read as memorization (Carlini et al. 2022 compare the two the same way,
  without the test);
- a dirty bucket's perplexity more than `OVERFIT_GAP` below the clean bucket's is read as overlap
  helping the model (GPT-3's clean/dirty comparison, Brown et al. 2020, section 4).

Each function returns its findings headline first, then by size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from webtext.eval.findings import OVERFIT_GAP, SIGNIFICANCE, Finding
from webtext.eval.overlap import GPT2_MEAN_OVERLAP, GPT2_MEAN_OWN_TRAIN


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _by_size(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: -f.magnitude)


def read_overlap(rows: Sequence[dict[str, Any]]) -> list[Finding]:
    """The average overlap (the headline), each set against GPT-2's average, the sets' own splits."""
    sets = [r for r in rows if r["eval_set"] != "average" and _number(r.get("percent")) is not None]
    if not sets:
        return [Finding("overlap_mean", "No evaluation set had an 8-gram to measure.", "none", 0.0)]
    mean = sum(r["percent"] for r in sets) / len(sets)
    compared = "below" if mean < GPT2_MEAN_OVERLAP else "above"
    findings = [Finding("overlap_mean", f"On average {mean:.2f}% of the evaluation sets' 8-grams occur in the training "
                        f"text, {compared} the {GPT2_MEAN_OVERLAP}% GPT-2 measured between WebText and its test sets.",
                        f"average {mean:.2f}%", mean)]
    findings += _by_size([_set_finding(r) for r in sets])
    owns = [r for r in sets if _number(r.get("own_train_percent")) is not None]
    if owns:
        own_mean = sum(r["own_train_percent"] for r in owns) / len(owns)
        findings.append(Finding("overlap_own", f"Against their own training splits the sets overlap "
                                f"{own_mean:.2f}% on average (GPT-2: {GPT2_MEAN_OWN_TRAIN}%).",
                                f"own splits {own_mean:.2f}%", own_mean))
    return findings


def _set_finding(row: dict[str, Any]) -> Finding:
    above = row["percent"] > GPT2_MEAN_OVERLAP
    return Finding("overlap", f"{row['eval_set']}: {row['percent']:.2f}% of its {row['ngrams']:,} 8-grams occur in "
                   f"the training text ({'above' if above else 'not above'} GPT-2's {GPT2_MEAN_OVERLAP}%).",
                   f"{row['eval_set']} {row['percent']:.2f}%", row["percent"], above)


def read_perplexity(rows: Sequence[dict[str, Any]]) -> list[Finding]:
    """Overfitting per checkpoint (largest gap first), then the trend with size."""
    findings = _by_size([_gap_finding(row) for row in rows if any(k.startswith("gap_") for k in row)])
    sizes = sorted({r["params"] for r in rows})
    if len(sizes) > 1:
        small = min(rows, key=lambda r: (r["params"], -r["step"]))
        large = max(rows, key=lambda r: (r["params"], r["step"]))
        falls = [s for s in (k[len("ppl_"):] for k in large if k.startswith("ppl_"))
                 if s in [k[len("ppl_"):] for k in small if k.startswith("ppl_")]]
        together = all(large[f"ppl_{s}"] < small[f"ppl_{s}"] for s in falls)
        trend = ("fall together, as in GPT-2's Figure 4 (larger models still underfit WebText)" if together else
                 "do not all fall, unlike GPT-2's Figure 4 where both fall together as models grow")
        findings.append(Finding("trend", f"From {small['params']:,} to {large['params']:,} parameters, train and "
                                f"held-out perplexity {trend}.", trend, 0.0))
    return findings


def _gap_finding(row: dict[str, Any]) -> Finding:
    """How far each held-out split's perplexity is from train's, and what that says."""
    gaps = sorted(((k[len("gap_"):], row[k]) for k in row if k.startswith("gap_")), key=lambda g: -g[1])
    figures = ", ".join(f"{split} {row[f'ppl_{split}']:.2f} ({gap:+,.1f}%)" for split, gap in gaps)
    brief = f"{row['model']} " + ", ".join(f"{split} {gap:+,.1f}%" for split, gap in gaps)
    start = f"{row['model']}: train perplexity {row['ppl_train']:.2f}, {figures}"
    if gaps[0][1] > OVERFIT_GAP:
        return Finding("overfitting", f"{start}: held-out perplexity more than {OVERFIT_GAP:g}% above train, the "
                       "model fits its training text better than unseen text (overfitting).", brief, gaps[0][1], True)
    if gaps[-1][1] < -OVERFIT_GAP:
        return Finding("easier", f"{start}: held-out perplexity more than {OVERFIT_GAP:g}% below train, the held-out "
                       "text is easier than the training text.", brief, -gaps[-1][1], True)
    return Finding("overfitting", f"{start}: held-out perplexity within {OVERFIT_GAP:g}% of train, no sign of "
                   "overfitting.", brief, max(abs(g) for _, g in gaps))


def read_buckets(rows: Sequence[dict[str, Any]]) -> list[Finding]:
    """Clean against dirty for each model and evaluation set, largest drop first."""
    findings = []
    for model, eval_set in dict.fromkeys((r["model"], r["eval_set"]) for r in rows):
        mine = [r for r in rows if (r["model"], r["eval_set"]) == (model, eval_set) and _number(r["perplexity"])]
        clean = next((r for r in mine if r["bucket"].startswith("clean")), None)
        dirty = [r for r in mine if not r["bucket"].startswith("clean")]
        if clean is None or not dirty:
            continue
        worst = dirty[-1]
        change = 100.0 * (worst["perplexity"] / clean["perplexity"] - 1.0)
        helps = change < -OVERFIT_GAP
        verdict = "overlap helps the model" if helps else "overlap makes little difference"
        findings.append(Finding("dirty", f"{model} on {eval_set}: perplexity {worst['perplexity']:.2f} on "
                                f"{worst['bucket']} documents against {clean['perplexity']:.2f} on clean ones "
                                f"({change:+.1f}%): {verdict}.", f"{model} on {eval_set} {change:+.1f}%",
                                -change, helps))
    return _by_size(findings)


def read_memorization(rows: Sequence[dict[str, Any]]) -> list[Finding]:
    """One finding per checkpoint (largest difference first); one in all when nothing was extracted."""
    if rows and not any(r["train_extracted"] or r["heldout_extracted"] for r in rows):
        shares = ", ".join(f"{r['model']} {r['train_token_match']:.1%} against {r['heldout_token_match']:.1%}"
                           for r in rows)
        return [Finding("memorization", f"Nothing was extracted: no checkpoint reproduced any of the "
                        f"{rows[0]['train_sequences']:,} training or {rows[0]['heldout_sequences']:,} held-out "
                        "sequences exactly. Share of continuation tokens reproduced, training against held out: "
                        f"{shares}.",
                        "nothing extracted", 0.0)]
    return _by_size([_memorization_finding(row) for row in rows])


def _memorization_finding(row: dict[str, Any]) -> Finding:
    p = _number(row.get("p_value"))
    detected = row["train_rate"] > row["heldout_rate"] and p is not None and p < SIGNIFICANCE
    verdict = ("memorization detected: the model reproduces training text it cannot predict in general"
               if detected else "no evidence of memorization beyond what the model predicts on unseen text")
    p_text = f", p = {p:.2g}" if p is not None else ""
    text = (f"{row['model']}: {row['train_extracted']:,} of {row['train_sequences']:,} training sequences "
            f"({row['train_rate']:.1%}) are extracted exactly, against {row['heldout_extracted']:,} of "
            f"{row['heldout_sequences']:,} held-out sequences ({row['heldout_rate']:.1%}; {row['difference']:+.1f} "
            f"points{p_text}): {verdict}.")
    brief = f"{row['model']} {row['train_rate']:.1%} against {row['heldout_rate']:.1%}{p_text}"
    return Finding("memorization", text, brief, row["difference"], detected)


def read_repetition(rows: Sequence[dict[str, Any]]) -> list[Finding]:
    """Extraction by occurrence count (training sequences only), per checkpoint."""
    findings = []
    for model in dict.fromkeys(r["model"] for r in rows):
        seen = [r for r in rows if r["model"] == model and r["source"] == "train" and r["sequences"]]
        if len(seen) > 1:
            parts = ", ".join(f"{r['rate']:.0%} of sequences seen {r['bucket']} times" for r in seen)
            findings.append(Finding("repetition", f"{model}: extracted {parts}.", model, 0.0))
    return findings
