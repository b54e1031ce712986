#!/usr/bin/env python3
"""Benchmark of the clean stage: extraction speed against bare trafilatura, and Beam scaling.

Prints, in one run and on the same pages:

- docs/s and MB/s of the stage (`clean_page`: encoding, screening, extraction under the time
  limit, line cleanup and every default filter) beside a bare loop calling `trafilatura.extract`
  with the same options on the same bodies (target: ratio >= 0.9, i.e. at most 10% overhead);
- docs/s of `CleanPages` on Beam's DirectRunner (multi_processing) with 2 workers beside 1 worker
  (target >= 1.7x). The pages are saved to files and read inside the workers, as a pipeline's
  WARC source reads them, so page bodies do not all pass through the runner process. Each is a
  marginal rate, (N - n) / (T(N) - T(n)) for a small and a large input, so the seconds spent
  starting worker processes do not count;
- extraction quality on the same pages when they are the real benchmark's: word 4-gram F1 of the
  stage beside bare `trafilatura.extract` with its default options.

Pages: the 92 real pages of `../shared/data/extraction-benchmark` when present, else the sample
web's fetched pages.

    .venv/bin/python bench/clean.py [--quick] [--json PATH]
"""

from __future__ import annotations

import os
import sys

from _paths import EXTRACTION_BENCHMARK  # bench/_paths.py, while bench/ is still on sys.path

# `python bench/clean.py` puts bench/ first on sys.path, where bench/tokenize.py would shadow the
# standard library's `tokenize` (imported by `inspect` and `linecache`): take bench/ off first.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import argparse
import json
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import apache_beam as beam
import trafilatura
from apache_beam.options.pipeline_options import PipelineOptions
from webtext.clean.beam import CleanPages
from webtext.clean.filters import default_filters
from webtext.clean.scoring import benchmark_scores, load_benchmark
from webtext.clean.settings import CleanSettings
from webtext.clean.stage import clean_page
from webtext.core.beamrun import local_runner
from webtext.core.document import Page


def load_pages() -> tuple[list[Page], list[str] | None, str]:
    """(pages, their true article texts or None, a description of the source)."""
    if EXTRACTION_BENCHMARK.is_dir():
        pairs = load_benchmark(EXTRACTION_BENCHMARK)
        return [page for page, _ in pairs], [text for _, text in pairs], "extraction benchmark"
    from webtext.sampleweb.site import build_site

    return list(build_site(seed=0).fetched_pages()), None, "sample web"


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The shortest wall time of `repeats` runs of `run`, in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    parser.add_argument("--json", type=Path, help="append result rows as JSON lines to this file")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    pages, truths, source = load_pages()
    if args.quick:
        pages, truths = pages[:40], (truths[:40] if truths else None)
    repeats = 1 if args.quick else 3
    megabytes = sum(len(p.body) for p in pages) / 1e6
    settings = CleanSettings()
    options = settings.extract
    filters = default_filters(settings.filters)
    print(f"clean: {len(pages)} pages ({megabytes:.1f} MB) of the {source}")

    def bare() -> list[str | None]:
        return [trafilatura.extract(p.body, url=p.url, favor_precision=options.favor_precision,
                                    include_comments=options.include_comments,
                                    include_tables=options.include_tables,
                                    with_metadata=options.with_metadata) for p in pages]

    def stage() -> list[str]:
        return [clean_page(p, settings, filters).text for p in pages]

    stage()  # warm caches (lxml, htmldate, charset tables) before timing either
    bare_s, stage_s = best_of(repeats, bare), best_of(repeats, stage)
    rows = [
        ("extraction docs/s, stage vs bare trafilatura.extract", len(pages) / stage_s,
         len(pages) / bare_s, ">= 0.9", "docs/s"),
        ("extraction MB/s, stage vs bare trafilatura.extract", megabytes / stage_s,
         megabytes / bare_s, ">= 0.9", "MB/s"),
    ]
    if truths is not None:
        ours = benchmark_scores(zip(stage(), truths, strict=True))
        default = benchmark_scores(((trafilatura.extract(p.body) or "", t)
                                    for p, t in zip(pages, truths, strict=True)))
        rows.append(("word 4-gram F1 on real pages, stage vs trafilatura defaults", ours.f1,
                     default.f1, ">= 1.0", "F1"))
    copies = 2 if args.quick else 6
    with tempfile.TemporaryDirectory() as directory:
        saved = []
        for index, page in enumerate(pages):
            path = Path(directory) / f"{index}.html"
            path.write_bytes(page.body)
            saved.append((page.url, str(path)))
        many = saved * copies
        one, two = beam_rate(many, 1, len(pages) // 2), beam_rate(many, 2, len(pages) // 2)
    rows.append((f"CleanPages docs/s, 2 vs 1 Beam workers ({len(many)} pages)", two, one, ">= 1.7", "docs/s"))
    for metric, figure, baseline, target, unit in rows:
        ratio = figure / baseline
        print(f"  {metric}: {figure:.3f} vs {baseline:.3f} {unit} = {ratio:.2f}x (target {target})")
        if args.json:
            with args.json.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"stage": "clean", "metric": metric, "figure": figure, "baseline": baseline,
                                      "ratio": ratio, "target": target, "unit": unit}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
