"""The one-screen summary printed at the end of `webtext demo`, read from the steps' own outputs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _last_metrics(path: Path) -> dict[str, Any]:
    """The last training record and the last validation record of a metrics.jsonl."""
    last: dict[str, Any] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            last.update({k: v for k, v in record.items() if v is not None})
    return last


def _rows(path: Path) -> list[dict[str, Any]]:
    return list(_json(path).get("rows", []))


def _crawl_line(summary: dict[str, Any]) -> str:
    links, pages = summary.get("links", {}), summary.get("pages", {})
    dropped = {k: v for k, v in links.items() if k not in ("kept", "already_known")}
    failed = {k.split(":", 1)[1]: v for k, v in pages.items() if k.startswith(("failed:", "skipped:"))}
    return (f"crawl     {links.get('kept', 0)} posts kept, dropped: "
            + ", ".join(f"{k} {v}" for k, v in sorted(dropped.items()))
            + f" ({links.get('already_known', 0)} seen again in the other source); {pages.get('fetched', 0)} pages "
            "fetched, not fetched: " + ", ".join(f"{k} {v}" for k, v in sorted(failed.items())))


def _eval_lines(evals: Path) -> list[str]:
    lines = []
    overlap = _rows(evals / "overlap.json")
    if overlap:
        lines.append("overlap   8-grams of the eval sets in the training text: "
                     + ", ".join(f"{r['eval_set']} {r['percent']:.1f}%" for r in overlap))
    for row in _rows(evals / "perplexity.json"):
        lines.append(f"ppl       {row['model']} ({row['params']:,} parameters): train {row['ppl_train']:.1f}, "
                     f"val {row['ppl_val']:.1f}, test {row['ppl_test']:.1f}")
    for row in _rows(evals / "memorization.json"):
        lines.append(f"memorized {row['model']}: {row['train_rate']:.1%} of {row['train_sequences']} training "
                     f"sequences extracted vs {row['heldout_rate']:.1%} held out (p = {row['p_value']:.2g})")
    return lines


def _card_line(corpus: Path, webtext: dict[str, Any] | None) -> str:
    """The data card and the report, with the corpus's share of documents from WebText's domains."""
    share = (f"{webtext['share']:.1%} of its documents from WebText's top {webtext['reference_labels']:,} domains"
             if webtext else "no WebText comparison")
    return f"data card   {corpus / 'DATACARD.md'}  (report: report.html, report.md; {share})"


def print_summary(out: Path, models: Sequence[str], seconds: float) -> None:
    """Print where the outputs are and what they say."""
    crawl = _json(out / "crawl" / "summary.json")
    report = _json(out / "corpus" / "report.json")
    counts = report.get("accounting", {})
    lines = ["", "=" * 78, f"webtext demo finished in {seconds / 60:.1f} min", "=" * 78]
    if crawl:
        lines.append(_crawl_line(crawl))
    if counts:
        kept = sum(v for k, v in counts.items() if k.startswith("kept:"))
        drops = sorted(((k, v) for k, v in counts.items() if k != "input" and not k.startswith("kept:")),
                       key=lambda kv: -kv[1])
        lines.append(f"corpus    {counts['input']} pages read, {kept} documents kept, "
                     f"{sum(v for _, v in drops)} dropped: " + ", ".join(f"{k} {v}" for k, v in drops))
        lines.append("tokens    " + ", ".join(f"{name} {s['tokens']:,} ({s['documents']} docs)"
                                           for name, s in report.get("splits", {}).items()))
    for model in models:
        metrics = _last_metrics(out / "checkpoints" / model / "metrics.jsonl")
        if metrics:
            train, val = metrics.get("loss", float("nan")), metrics.get("val_loss", float("nan"))
            lines.append(f"train     {model}: step {metrics.get('step')}, train loss {train:.3f}, val loss {val:.3f}")
    lines += _eval_lines(out / "eval")
    lines += ["", f"shards      {out / 'corpus'}  (manifest.json, domains.csv, documents/)",
              _card_line(out / "corpus", report.get("webtext")),
              f"checkpoints {out / 'checkpoints'}  (metrics.jsonl, loss.png per model)",
              f"evaluation  {out / 'eval' / 'report.md'}  (and " + ", ".join(
                  name for name in ("report.html", "overlap.png", "figure4.png", "memorization.png")
                  if (out / "eval" / name).is_file()) + ")",
              f"crawl       {out / 'crawl'}  (links.sqlite, warc/, summary.json)"]
    print("\n".join(lines), flush=True)
