"""The main job's report: `report.json`, `report.md` and `report.png` beside the shards.

A `warnings` list (an empty split, for instance) heads report.md and is kept in report.json, as are
the documents files per split (`documents`, None under `--no-documents`) and the sample the tokenizer
was trained on (`tokenizer_sample`: budget, fraction, documents, bytes and rule; None when a
tokenizer file was given).
It reads what the pipeline computed as data (the summary: accounting, documents and words per
stage, the detected languages before and after the clean filters, top domains, duplicate cluster
sizes, decontamination, dead letters), the manifest (tokens and documents per split) and, when
the runner reports them, Beam's per-transform execution times
(`beam:metric:ptransform_execution_time:total_msecs:v1`, summed per stage; the portable runner
may not report them, and then the report says so). The output is a local directory or a URL
(`webtext.core.filesys`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from webtext.core import filesys
from webtext.pipelines.accounting import INPUT

_STAGE_OF_STEP = (("BuildCorpus/ReadWarc", "read"), ("BuildCorpus/Clean", "clean"),
                  ("BuildCorpus/ExactDedup", "exact_dedup"), ("BuildCorpus/NearDedup", "near_dedup"),
                  ("BuildCorpus/Decontaminate", "decontaminate"), ("Tokenize", "tokenize"),
                  ("WriteDocuments", "documents"), ("Sample", "tokenizer_sample"))
_TIME_METRIC = "ptransform_execution_time:total_msecs"


def stage_seconds(result: Any) -> dict[str, float]:
    """Seconds spent in each stage's transforms, from the runner's monitoring metrics (or {})."""
    try:
        counters = result.monitoring_metrics().query()["counters"]
    except Exception:
        return {}
    seconds: dict[str, float] = {}
    for counter in counters:
        step = counter.key.step or ""
        if _TIME_METRIC not in str(counter.key.metric):
            continue
        stage = next((name for prefix, name in _STAGE_OF_STEP if step.startswith(prefix)), "other")
        seconds[stage] = seconds.get(stage, 0.0) + (counter.committed or 0) / 1000
    return seconds


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _plot(path: str, summary: Mapping[str, Any], drops: Mapping[str, int]) -> None:
    # imported here: the workers load this module with the pipeline and never plot (0.3 s each)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    stages = summary["stages"]
    left.bar([s["stage"] for s in stages], [s["documents"] for s in stages], color="#4477aa")
    left.set_title("documents after each stage")
    left.tick_params(axis="x", rotation=30)
    items = sorted(drops.items(), key=lambda kv: kv[1])
    right.barh([k for k, _ in items], [v for _, v in items], color="#cc6677")
    right.set_title("dropped documents by reason")
    fig.tight_layout()
    with filesys.open_write(path) as handle:
        fig.savefig(handle, format="png", dpi=110)
    plt.close(fig)


def _documents_section(summary: Mapping[str, Any]) -> str:
    documents, sample = summary.get("documents"), summary.get("tokenizer_sample")
    files = _table(["split", "files", "documents", "MB of text"], [
        [name, s["files"], s["documents"], f"{s['text_bytes'] / 1e6:.2f}"] for name, s in sorted(documents.items())
    ]) if documents else "Not kept (`--no-documents`)."
    trained = (f"{sample['documents']:,} train documents, {sample['bytes']:,} bytes of text: a share of "
               f"{sample['fraction']:.4g} of the split's {sample['train_bytes']:,} bytes for a budget of "
               f"{sample['budget_bytes']:,} (`--tokenizer-sample-bytes`). Rule: {sample['rule']}."
               if sample else "None: a tokenizer file was given.")
    return f"## Documents files (documents/)\n\n{files}\n\n## Tokenizer training sample\n\n{trained}"


def _languages_section(languages: Mapping[str, Mapping[str, int]]) -> str:
    extracted, kept = languages["extracted"], languages["kept"]
    rows = [[language, count, kept.get(language, 0)]
            for language, count in sorted(extracted.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ("## Languages\n\nDocuments per detected language (`webtext.clean.language`): every document "
            "with text before the clean filters, and those the clean stage kept (`--languages`).\n\n"
            + (_table(["language", "extracted", "kept by the clean filters"], rows) if rows else "No text extracted."))


def write_report(out: str | os.PathLike[str], summary: Mapping[str, Any], seconds: Mapping[str, float], wall: float,
                 runner: str) -> None:
    """Write report.json, report.md and report.png into `out` (the shard directory, a path or a URL)."""
    manifest = filesys.read_json(filesys.join(out, "manifest.json"))
    counts = summary["accounting"]
    drops = {k: v for k, v in counts.items() if k != INPUT and not k.startswith("kept:")}
    kept = sum(v for k, v in counts.items() if k.startswith("kept:"))
    splits = {name: {"documents": s["n_docs"], "tokens": s["n_tokens"], "shards": len(s["shards"])}
              for name, s in sorted(manifest["splits"].items())}
    report = {**summary, "warnings": list(summary.get("warnings", [])), "splits": splits,
              "seconds_per_stage": dict(seconds), "wall_seconds": round(wall, 1),
              "runner": runner, "tokenizer": manifest["tokenizer"]}
    filesys.write_json(filesys.join(out, "report.json"), report)
    _plot(filesys.join(out, "report.png"), summary, drops)
    warnings = list(summary.get("warnings", []))
    sections = [
        "# Corpus report",
        *(["## Warnings\n\n" + "\n".join(f"- {w}" for w in warnings)] if warnings else []),
        f"{counts.get('input', 0):,} WARC records in, {kept:,} documents kept, {sum(drops.values()):,} dropped "
        f"(input = kept + dropped holds). Runner: {runner}; wall time {wall:.0f} s.",
        "![stages and drop reasons](report.png)",
        "## Documents per stage\n\n" + _table(["stage", "documents", "words", "MB"], [
            [s["stage"], s["documents"], s["words"], f"{s['bytes'] / 1e6:.2f}"] for s in summary["stages"]]),
        _languages_section(summary["languages"]),
        "## Tokens per split\n\n" + _table(["split", "documents", "tokens", "shards"], [
            [name, s["documents"], s["tokens"], s["shards"]] for name, s in splits.items()]),
        _documents_section(summary),
        "## Drop reasons\n\n" + _table(["stage:reason", "documents"],
                                        [[k, v] for k, v in sorted(drops.items(), key=lambda kv: -kv[1])]),
        "## Top domains (kept documents)\n\n" + _table(["domain", "documents"], [
            [d["domain"], d["documents"]] for d in summary["top_domains"]]),
        "## Duplicate clusters\n\n" + (_table(["kind:size", "clusters"], [
            [k, v] for k, v in summary["cluster_sizes"].items()]) if summary["cluster_sizes"] else "None found."),
        "## Decontamination\n\n" + (_table(["evaluation set/metric", "value"], [
            [k, v] for k, v in summary["decontamination"].items()]) if summary["decontamination"]
            else "No evaluation sets given (`--eval NAME=PATH`)."),
        "## Time per stage\n\n" + (_table(["stage", "seconds (summed over workers)"], [
            [k, f"{v:.1f}"] for k, v in sorted(seconds.items(), key=lambda kv: -kv[1])]) if seconds
            else "The runner did not report per-transform times."),
        f"## Dead letters\n\n{len(summary['dead_letters'])} unreadable records or files, listed in "
        "`dead-letters.jsonl`" + "".join(f"\n- `{d['source']}`: {d['error']}" for d in summary["dead_letters"][:20]),
    ]
    with filesys.open_write(filesys.join(out, "report.md"), "w") as handle:
        handle.write("\n\n".join(sections) + "\n")
