#!/usr/bin/env python3
"""Benchmark of the clean stage on real pages: quality and speed beside bare trafilatura, drops, Beam scaling.

Prints, in one run:

- quality of four extractors (`webtext.clean.scoring.EXTRACTORS`: the stage `clean_page`, where a
  dropped page yields "", its extraction alone `extract_page`, bare `trafilatura.extract(html)`
  and `trafilatura.extract(html, include_comments=False)`): precision, recall and F1 with the
  article-extraction benchmark's metric on its 92 pages with human ground truth, and the share of
  "with" snippets found and "without" snippets leaked on the snippet set's 883 pages. The stage
  runs with its defaults but the language filter off (`quality_settings`): both sets are
  multilingual. This part is spread over 2 processes;
- every page the stage drops, with the filter that dropped it and the reason, and a count per filter;
- the cost per page on one core (CPU time; the median over 7 rounds of the stage's time over the
  baseline's in the same round, which alternate) of the stage with its default settings (language
  identification included) beside bare `trafilatura.extract` with the stage's options and no
  metadata, and beside trafilatura's defaults, on the benchmark's pages;
- docs/s of `CleanPages` on Beam's DirectRunner (multi_processing) with 2 workers beside 1 worker.
  The pages are saved to files and read inside the workers, as a pipeline's WARC source reads
  them. Each is a marginal rate, (N - n) / (T(N) - T(n)), so worker start-up does not count;
- each target the clean stage is held to, its figure beside the baseline, PASS or FAIL.

Pages: `../shared/data/extraction-benchmark` and `../shared/data/trafilatura-eval` beside the
repository; where the benchmark is absent, speed and scaling run on the sample web's pages and
the quality figures of an absent set are left out. `--quick` takes every 3rd benchmark page and
every 15th snippet-set page, and two timing rounds (under a minute on 2 cores).

    .venv/bin/python bench/clean.py [--quick] [--json PATH]
"""

from __future__ import annotations

import os
import sys

from _paths import EXTRACTION_BENCHMARK, SNIPPET_SET  # bench/_paths.py, while bench/ is still on sys.path

# `python bench/clean.py` puts bench/ first on sys.path, where bench/tokenize.py would shadow the
# standard library's `tokenize` (imported by `inspect` and `linecache`): take bench/ off first.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import argparse
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import apache_beam as beam
import trafilatura
from apache_beam.options.pipeline_options import PipelineOptions
from webtext.clean.beam import CleanPages
from webtext.clean.filters import default_filters
from webtext.clean.scoring import (
    BARE,
    STAGE,
    benchmark_scores,
    drop_report,
    dropped,
    load_benchmark,
    load_snippet_set,
    run_extractors,
    snippet_rates,
)
from webtext.clean.settings import CleanSettings
from webtext.clean.stage import clean_page
from webtext.core.beamrun import local_runner
from webtext.core.document import Page

PROCESSES = 2
Row = dict[str, Any]


def row(metric: str, figure: float, baseline: float, unit: str, target: str, passed: bool | None,
        shown: str = "") -> Row:
    """One result: `figure` beside `baseline`, with `shown` (default: their ratio) and the verdict."""
    ratio = figure / baseline if baseline else 0.0
    return {"stage": "clean", "metric": metric, "figure": figure, "baseline": baseline, "ratio": ratio,
            "target": target, "unit": unit, "pass": passed, "shown": shown or f"{ratio:.3f}x"}


def benchmark_quality(pages: list[Page], truths: list[str]) -> list[Row]:
    """Prints P/R/F1 of every extractor and the stage's drops; the targets' rows."""
    results = run_extractors(pages, processes=PROCESSES)
    scores = {name: benchmark_scores(zip((o.text for o in outcomes), truths, strict=True))
              for name, outcomes in results.items()}
    print(f"extraction benchmark, {len(pages)} pages (word 4-gram scores, the benchmark's metric):")
    print(f"  {'extractor':52} {'P':>6} {'R':>6} {'F1':>6} {'no text':>8}")
    for name, score in scores.items():
        empty = sum(not o.text for o in results[name])
        print(f"  {name:52} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f} {empty:8}")
    print("\n".join(f"  benchmark: {line}" for line in drop_report(results[STAGE])))
    stage, bare = scores[STAGE].f1, scores[BARE].f1
    drops = len(dropped(results[STAGE]))
    return [row("benchmark F1, stage vs trafilatura defaults", stage, bare, "F1", ">= baseline + 0.01",
                stage >= bare + 0.01, f"{stage - bare:+.3f}"),
            row("benchmark pages the stage drops, of all", drops, len(pages), "pages", "0", drops == 0,
                f"{drops / len(pages):.1%}")]


def snippet_quality(directory: Path, step: int) -> list[Row]:
    """Prints snippet rates of every extractor and the stage's drops; the targets' rows."""
    items = load_snippet_set(directory)[::step]
    results = run_extractors([item.page for item in items], processes=PROCESSES)
    rates = {name: snippet_rates(zip((o.text for o in outcomes), items, strict=True))
             for name, outcomes in results.items()}
    first = rates[STAGE]
    print(f'snippet set, {len(items)} pages, {first.wanted} "with" and {first.unwanted} "without" snippets:')
    print(f"  {'extractor':52} {'found':>13} {'leaked':>13} {'no text':>8}")
    for name, rate in rates.items():
        print(f"  {name:52} {rate.found:5} ({rate.found_rate:.3f}) {rate.leaked:5} ({rate.leak_rate:.3f})"
              f" {len(rate.pages):8}")
    print("\n".join(f"  snippet set: {line}" for line in drop_report(results[STAGE])))
    stage, bare = rates[STAGE], rates[BARE]
    drops = len(dropped(results[STAGE]))
    return [row('snippet set "without" leaked, stage vs trafilatura defaults', stage.leaked, bare.leaked,
                "snippets", "<= 0.75", stage.leaked <= 0.75 * bare.leaked),
            row('snippet set "with" found, stage vs trafilatura defaults', stage.found, bare.found,
                "snippets", ">= 0.97", stage.found >= 0.97 * bare.found),
            row("snippet set pages the stage drops, of all", drops, len(items), "pages", "<= 3%",
                drops <= 0.03 * len(items), f"{drops / len(items):.1%}")]


def paired_rounds(repeats: int, runs: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    """The CPU seconds of each run in each of `repeats` rounds. Every round runs each once, in turn,
    the order reversed every other round: this machine is shared and its speed drifts within
    minutes, so runs are compared within a round, where they see the same drift, and CPU time
    leaves out the time another process held the core (wall time read 0.86x to 1.47x for the
    same two loops in one run; CPU time per round, 0.97x to 1.27x)."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(repeats):
        for name in (list(runs) if round_ % 2 == 0 else list(reversed(runs))):
            started = time.process_time()
            runs[name]()
            seconds[name].append(time.process_time() - started)
    return seconds


def speed(pages: list[Page], repeats: int) -> list[Row]:
    """The targets' rows of the stage's cost per page on one core: the median over rounds of its
    CPU time over bare extraction's in the same round."""
    settings = CleanSettings()
    options, filters = settings.extract, default_filters(settings.filters)
    runs: dict[str, Callable[[], object]] = {
        "stage": lambda: [clean_page(p, settings, filters) for p in pages],
        "same options": lambda: [trafilatura.extract(
            p.body, url=p.url, favor_precision=options.favor_precision, include_comments=options.include_comments,
            include_tables=options.include_tables) for p in pages],
        "defaults": lambda: [trafilatura.extract(p.body) for p in pages]}
    runs["stage"]()  # warm caches (lxml, htmldate, charset tables, the language model) before timing
    seconds = paired_rounds(repeats, runs)
    ms = {name: statistics.median(values) * 1000 / len(pages) for name, values in seconds.items()}

    rounds = {baseline: [s / b for s, b in zip(seconds["stage"], seconds[baseline], strict=True)]
              for baseline in ("same options", "defaults")}
    same, defaults = (statistics.median(rounds[baseline]) for baseline in ("same options", "defaults"))
    print(f"CPU time per page on one core, {len(pages)} pages, median of {repeats} rounds, the stage with its"
          f" default settings: stage {ms['stage']:.1f} ms, bare trafilatura.extract with the stage's options"
          f" {ms['same options']:.1f} ms, trafilatura defaults {ms['defaults']:.1f} ms; the stage over each"
          f" in the same round: {', '.join(f'{r:.3f}' for r in rounds['same options'])}")
    return [row("cost per page, stage vs trafilatura.extract with its options", ms["stage"], ms["same options"],
                "ms", "<= 1.08", same <= 1.08, f"{same:.3f}x"),
            row("cost per page, stage vs trafilatura defaults", ms["stage"], ms["defaults"], "ms", "", None,
                f"{defaults:.3f}x")]


def read_page(item: tuple[str, str]) -> Page:
    """The page saved at `item[1]`, as a pipeline's WARC source would yield it in a worker."""
    url, path = item
    return Page(url=url, status=200, headers=(("Content-Type", "text/html"),),
                body=Path(path).read_bytes(), fetched_at="")


def run_beam(items: list[tuple[str, str]], workers: int) -> float:
    """Seconds for reading and `CleanPages` over `items` on the DirectRunner with `workers`."""
    options = PipelineOptions(direct_num_workers=workers, direct_running_mode="multi_processing")
    started = time.perf_counter()
    with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
        _ = (pipeline | beam.Create(items, reshuffle=True) | "Read" >> beam.Map(read_page)
             | CleanPages())
    return time.perf_counter() - started


def beam_rate(items: list[tuple[str, str]], workers: int, small: int) -> float:
    """Marginal docs/s of `CleanPages`: the extra pages over the extra seconds."""
    base = run_beam(items[:small], workers)
    full = run_beam(items, workers)
    return (len(items) - small) / max(1e-9, full - base)


def scaling(pages: list[Page], copies: int) -> Row:
    """The target's row of `CleanPages` docs/s on 2 Beam workers beside 1."""
    with tempfile.TemporaryDirectory() as directory:
        saved = []
        for index, page in enumerate(pages):
            path = Path(directory) / f"{index}.html"
            path.write_bytes(page.body)
            saved.append((page.url, str(path)))
        many = saved * copies
        one, two = beam_rate(many, 1, len(pages) // 2), beam_rate(many, 2, len(pages) // 2)
    return row(f"CleanPages docs/s, 2 vs 1 Beam workers ({len(many)} pages)", two, one, "docs/s", ">= 1.7",
               two >= 1.7 * one)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a subset of the pages, two timing rounds")
    parser.add_argument("--json", type=Path, help="append result rows as JSON lines to this file")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    bench_step, snippet_step, repeats = (3, 15, 2) if args.quick else (1, 1, 7)
    rows: list[Row] = []
    print(f"clean: quality with the stage's default settings but the language filter off (the sets are"
          f" multilingual), on {PROCESSES} processes")
    if EXTRACTION_BENCHMARK.is_dir():
        pairs = load_benchmark(EXTRACTION_BENCHMARK)[::bench_step]
        pages = [page for page, _ in pairs]
        rows += benchmark_quality(pages, [truth for _, truth in pairs])
    else:
        print(f"  {EXTRACTION_BENCHMARK} is absent: speed and scaling on the sample web's pages")
        from webtext.sampleweb.site import build_site

        pages = list(build_site(seed=0).fetched_pages())[::bench_step]
    if SNIPPET_SET.is_dir():
        rows += snippet_quality(SNIPPET_SET, snippet_step)
    else:
        print(f"  {SNIPPET_SET} is absent: no snippet rates")
    rows += speed(pages, repeats)
    rows.append(scaling(pages, 2 if args.quick else 6))
    print("targets (figure vs baseline):")
    for result in rows:
        verdict = {True: "PASS", False: "FAIL", None: ""}[result["pass"]]
        target = f" (target {result['target']})" if result["target"] else ""
        print(f"  {result['metric']}: {result['figure']:.4g} vs {result['baseline']:.4g} {result['unit']}"
              f" -> {result['shown']}{target} {verdict}".rstrip())
        if args.json:
            with args.json.open("a", encoding="utf-8") as out:
                out.write(json.dumps({key: value for key, value in result.items() if key != "shown"}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
