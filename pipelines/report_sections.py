"""The corpus report's sections on what the job did: counts, stages, drops, splits, time.

Each function turns part of the report's data (`report.json`: the pipeline's summary, the
manifest's splits, the runner's times) into the body of one section, as blocks of
`webtext.core.render`, so report.md and report.html say the same thing; the caller adds the
heading (the report and the data card title and nest their sections differently). Every count is
shown with its percentage beside it: of the WARC records read for the stages and the drops (the
accounting identity input = kept + Σ dropped, `webtext.pipelines.accounting`), of the kept
documents or tokens for the splits. Percentages below 0.1% print as "<0.1%", never as a
misleading 0.0%.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webtext.core.render import Block, Bullets, Paragraph, TableBlock
from webtext.core.tables import Column, Table
from webtext.pipelines.accounting import INPUT, check

NO_VALUE = "—"


def count(value: int) -> str:
    """An integer with thousands separators."""
    return f"{value:,}"


def plural(value: int, word: str) -> str:
    """`value` and `word`, with an "s" unless `value` is 1: "1 document", "2 documents"."""
    return f"{count(value)} {word}{'' if value == 1 else 's'}"


def percent(part: float, whole: float) -> str:
    """`part` as a percentage of `whole`, one decimal ("<0.1%" for a small non-zero share; "—" of nothing)."""
    if not whole:
        return NO_VALUE
    share = 100 * part / whole
    return "<0.1%" if 0 < share < 0.05 else f"{share:.1f}%"


def drops_of(report: Mapping[str, Any]) -> dict[str, int]:
    """The dropped documents by `stage:reason`, most first."""
    counts = report["accounting"]
    dropped = {k: v for k, v in counts.items() if k != INPUT and not k.startswith("kept:")}
    return dict(sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0])))


def table(name: str, title: str, headings: list[str], rows: list[list[str]]) -> TableBlock:
    """A table block of pre-formatted cells, one column per heading."""
    columns = [Column(f"c{i}", heading) for i, heading in enumerate(headings)]
    return TableBlock(Table(name, title, columns, [{f"c{i}": cell for i, cell in enumerate(row)} for row in rows]))


def headline(report: Mapping[str, Any]) -> list[Block]:
    total, kept, dropped = check(report["accounting"])
    return [Paragraph(f"{plural(total, 'WARC record')} in: {plural(kept, 'document')} kept ({percent(kept, total)}), "
                      f"{count(dropped)} dropped ({percent(dropped, total)}); every record is kept or dropped "
                      f"with one reason. Runner: {report['runner']}; wall time {report['wall_seconds']:.0f} s."),
            *([Paragraph(archived_sentence(report))] if report["archived"] else [])]


def archived_sentence(report: Mapping[str, Any]) -> str:
    """How many kept documents a web archive served, and what their fetch time then means."""
    archived, kept = report["archived"], check(report["accounting"])[1]
    return (f"{plural(archived, 'kept document')} ({percent(archived, kept)}) came from a web archive: a capture "
            "the crawl fetched in place of a dead link (webtext crawl --archive); their fetched_at is the "
            "capture's time and their meta names the capture (archive_source).")


def stages(report: Mapping[str, Any]) -> list[Block]:
    total = report["accounting"][INPUT]
    rows = [[s["stage"], count(s["documents"]), percent(s["documents"], total),
             NO_VALUE if s["stage"] == "read" else count(s["words"]), f"{s['bytes'] / 1e6:.2f}"]
            for s in report["stages"]]
    return [table("stages", "Documents, words and megabytes of text after each stage",
                  ["stage", "documents", "% of input", "words", "MB"], rows),
            Paragraph(f"{NO_VALUE}: the read stage's rows are pages, counted with their HTML bytes; words are "
                      "counted once the clean stage has extracted the text.")]


def drops(report: Mapping[str, Any]) -> list[Block]:
    total = report["accounting"][INPUT]
    rows = [[reason, count(n), percent(n, total)] for reason, n in drops_of(report).items()]
    return [table("drops", "Dropped documents by stage and reason (meanings under Terms)",
                  ["stage:reason", "documents", "% of input"], rows) if rows else Paragraph("Nothing was dropped.")]


def languages(report: Mapping[str, Any]) -> list[Block]:
    extracted, kept = report["languages"]["extracted"], report["languages"]["kept"]
    all_kept = sum(kept.values())
    rows = [[language, count(n), count(kept.get(language, 0)), percent(kept.get(language, 0), all_kept)]
            for language, n in sorted(extracted.items(), key=lambda kv: (-kv[1], kv[0]))]
    return [Paragraph("Documents per language detected by fastText (webtext.clean.language): every document with "
                      "text before the clean filters, and those the clean stage kept (--languages)."),
            table("languages", "Documents per detected language",
                  ["language", "extracted", "kept by clean", "% of kept"], rows) if rows
            else Paragraph("No text was extracted.")]


def splits(report: Mapping[str, Any]) -> list[Block]:
    splits = report["splits"]
    documents = sum(s["documents"] for s in splits.values())
    tokens = sum(s["tokens"] for s in splits.values())
    rows = [[name, count(s["documents"]), percent(s["documents"], documents), count(s["tokens"]),
             percent(s["tokens"], tokens), count(s["shards"])] for name, s in splits.items()]
    return [table("splits", "Documents, tokens and shards per split",
                  ["split", "documents", "% of documents", "tokens", "% of tokens", "shards"], rows)]


def documents_files(report: Mapping[str, Any]) -> list[Block]:
    documents = report.get("documents")
    if not documents:
        return [Paragraph("Not kept (--no-documents).")]
    return [table("documents", "The documents files (documents/, Parquet) per split",
                  ["split", "files", "documents", "MB of text"],
                  [[name, count(s["files"]), count(s["documents"]), f"{s['text_bytes'] / 1e6:.2f}"]
                   for name, s in sorted(documents.items())])]


def tokenizer_sample(report: Mapping[str, Any]) -> list[Block]:
    sample = report.get("tokenizer_sample")
    if not sample:
        return [Paragraph("None: a tokenizer file was given.")]
    return [Paragraph(f"{count(sample['documents'])} train documents, {count(sample['bytes'])} bytes of text: a "
                      f"share of {sample['fraction']:.4g} of the split's {count(sample['train_bytes'])} bytes for a "
                      f"budget of {count(sample['budget_bytes'])} (--tokenizer-sample-bytes). Rule: {sample['rule']}.")]


def clusters(report: Mapping[str, Any]) -> list[Block]:
    rows = []
    for name, clusters in sorted(report["cluster_sizes"].items(), key=lambda kv: (kv[0].split(":")[0],
                                                                                    int(kv[0].split(":")[1]))):
        kind, size = name.split(":")
        rows.append([kind, size, count(clusters), count(clusters * (int(size) - 1))])
    return [table("clusters", "Clusters of duplicates: one document of each is kept, the others dropped",
                  ["kind", "documents in a cluster", "clusters", "documents dropped"], rows) if rows
            else Paragraph("No duplicates found.")]


def _set_line(name: str, metrics: Mapping[str, int], n: int, total: int) -> str:
    if "ngrams_total" in metrics:
        found, of = metrics["ngrams_found"], metrics["ngrams_total"]
        return f"{name}: {count(found)} of {count(of)} {n}-grams occur in the kept documents ({percent(found, of)})"
    dropped = metrics["documents_dropped"]
    parts = [f"{plural(dropped, 'document')} dropped ({percent(dropped, total)} of input)"]
    if "documents_cut" in metrics:
        parts += [f"{plural(metrics['documents_cut'], 'document')} cut",
                  f"{count(metrics['ngram_matches'])} n-gram matches"]
    return f"{name}: " + ", ".join(parts)


def decontamination(report: Mapping[str, Any], sections: Mapping[str, Any]) -> list[Block]:
    per_set: dict[str, dict[str, int]] = {}
    for name, value in report["decontamination"].items():
        eval_set, metric = name.rsplit("/", 1)
        per_set.setdefault(eval_set, {})[metric] = value
    dedup = sections["dedup"]
    if not per_set:
        return [Paragraph("No evaluation sets given (--eval NAME=PATH).")]
    total = report["accounting"][INPUT]
    lines = tuple(_set_line(name, metrics, dedup["overlap_ngram"], total) for name, metrics in sorted(per_set.items()))
    return [Paragraph(f"Mode: {dedup['decontaminate']} (--decontaminate)."),
            Bullets(lines)]


def times(report: Mapping[str, Any]) -> list[Block]:
    seconds = report["seconds_per_stage"]
    busy = sum(seconds.values())
    rows = [[stage, f"{value:.1f}", percent(value, busy)]
            for stage, value in sorted(seconds.items(), key=lambda kv: (-kv[1], kv[0]))]
    return [table("seconds", "Seconds in each stage's transforms, summed over the workers",
                  ["stage", "seconds", "% of the total"], rows) if rows
            else Paragraph("The runner did not report per-transform times.")]


def dead_letters(report: Mapping[str, Any]) -> list[Block]:
    dead = report["dead_letters"]
    blocks: list[Block] = [Paragraph(
        f"{count(len(dead))} unreadable records or files ({percent(len(dead), report['accounting'][INPUT])} of "
        "input), listed in dead-letters.jsonl.")]
    if dead:
        shown = tuple(f"{d['source']}: {d['error']}" for d in dead[:20])
        more = (f"and {count(len(dead) - 20)} more in dead-letters.jsonl",) if len(dead) > 20 else ()
        blocks.append(Bullets(shown + more))
    return blocks
