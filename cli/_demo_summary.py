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


def print_summary(out: Path, models: Sequence[str], seconds: float) -> None:
    """Print where the outputs are and what they say."""
    crawl = _json(out / "crawl" / "summary.json")
    report = _json(out / "corpus" / "report.json")
    counts = report.get("accounting", {})
    lines = ["", "=" * 78, f"webtext demo finished in {seconds / 60:.1f} min", "=" * 78]
    if crawl:
        lines.append(f"crawl     {crawl.get('line', '')}".rstrip())
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
    evaluation = _json(out / "eval" / "report.json")
    for line in evaluation.get("summary_lines", []):
        lines.append(f"eval      {line}")
    lines += ["", f"shards      {out / 'corpus'}  (manifest.json, report.md, report.png)",
              f"checkpoints {out / 'checkpoints'}", f"evaluation  {out / 'eval' / 'report.md'}",
              f"crawl       {out / 'crawl'}  (links.sqlite, warc/)"]
    print("\n".join(lines), flush=True)
