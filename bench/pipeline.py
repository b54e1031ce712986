#!/usr/bin/env python3
"""Benchmark of the main job: end-to-end docs/s on 2 workers against bare extraction on one core.

Prints, in one run and on the same pages written as WARC files (the real pages of
`../shared/data/extraction-benchmark` repeated under distinct URLs where present, else sample-web
pages):

- docs/s of `beam run pipelines/webtext.py` (the local FnApiRunner, multi_processing, 2 workers,
  a given tokenizer, so one phase) beside a bare single-core loop calling `trafilatura.extract`
  with the clean stage's options. Extraction dominates the cost, so the target is >= 1.6x:
  everything else, Beam included, costs under 20% of two cores. Two figures: end to end on the
  larger input (Beam's start-up of worker processes included), and the marginal rate between
  the two inputs, (N - n) / (T(N) - T(n)), which is what a large job sees. The bare loop runs
  right before and right after each job, over the first pages of its input, and each job is
  compared with the pages/s of those two runs together (the marginal ratio counts each job's
  time in the pages the loop did in as long around it): this machine's speed drifts by 10-25%
  within minutes, and with one baseline taken before both jobs, two runs of the same code in a
  row read 1.32x and 1.85x;
- peak resident memory of the job (the largest of its processes) at n and N pages: it must
  not grow with the input beyond the dedup index.

    .venv/bin/python bench/pipeline.py [--quick] [--json PATH]
"""

from __future__ import annotations

import os
import sys

from _paths import EXTRACTION_BENCHMARK  # bench/_paths.py, while bench/ is still on sys.path

# `python bench/pipeline.py` puts bench/ first on sys.path, where bench/tokenize.py would shadow
# the standard library's `tokenize`: take bench/ off first.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import argparse
import dataclasses
import itertools
import json
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import trafilatura
from webtext.clean.scoring import load_benchmark
from webtext.clean.settings import CleanSettings
from webtext.core.document import Page
from webtext.crawl.warc.write import Fetched, RollingWarcWriter
from webtext.sampleweb.site import build_site
from webtext.tokenize.bpe import train_tokenizer

ROOT = Path(__file__).resolve().parents[1]
BEAM = str(Path(sys.executable).parent / "beam")


def bench_pages(count: int) -> list[Page]:
    """`count` pages: the real pages of the extraction benchmark, each repeated under distinct URLs,
    where it is present (extraction costs there what it costs on the web); else sample-web pages,
    which are small and cheap to extract."""
    if not EXTRACTION_BENCHMARK.is_dir():
        return list(build_site(seed=3, articles=count).fetched_pages())[:count]
    real = [page for page, _ in load_benchmark(EXTRACTION_BENCHMARK)]
    return [dataclasses.replace(page, url=f"{page.url}{'&' if '?' in page.url else '?'}copy={i // len(real)}")
            for i, page in zip(range(count), itertools.cycle(real))]


def write_warc(pages: Iterable[Page], directory: Path) -> None:
    """The pages as the crawl writes them: files of up to 1 GB, which the job reads in ranges."""
    writer = RollingWarcWriter(directory)
    for page in pages:
        writer.write(Fetched(link_url=page.url, url=page.url, status=200, reason="OK", headers=list(page.headers),
                             body=page.body, request_headers=[], fetched_at=page.fetched_at,
                             reddit_json=json.dumps([p.to_dict() for p in page.reddit])))
        if writer.full:
            writer.close()
    writer.close()


def bare_extract(pages: list[Page]) -> float:
    """Seconds of trafilatura.extract alone over `pages`, one core, the clean stage's options."""
    options = CleanSettings().extract
    started = time.perf_counter()
    for page in pages:
        trafilatura.extract(page.body.decode("utf-8", "replace"), url=page.url,
                            favor_precision=options.favor_precision, include_comments=options.include_comments,
                            include_tables=options.include_tables)
    return time.perf_counter() - started


_MEASURE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
            "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run_job(warc: Path, out: Path, tokenizer: Path) -> tuple[float, float]:
    """(docs/s end to end, peak RSS in MB of the job's largest process) of one pipeline run.

    The job runs under its own parent process, so each run's peak is measured alone.
    """
    started = time.perf_counter()
    command = [BEAM, "run", "pipelines/webtext.py", f"--input={warc}/*.warc.gz", f"--output={out}",
               f"--tokenizer={tokenizer}", "--direct_num_workers=2"]
    peak_kb = subprocess.run([sys.executable, "-c", _MEASURE, *command], check=True, cwd=ROOT,
                             capture_output=True, text=True).stdout.split()[-1]
    seconds = time.perf_counter() - started
    docs = json.loads((out / "report.json").read_text())["accounting"]["input"]
    return docs / seconds, int(peak_kb) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 and 1,200 pages instead of 2,000 and 10,000")
    parser.add_argument("--json", type=Path, help="append result rows to this JSON-lines file")
    args = parser.parse_args()
    small, large = (300, 1200) if args.quick else (2000, 10000)
    bare_count = 150 if args.quick else 460  # each of the 92 real pages 5 times
    runs, bares = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for count in (small, large):
            pages = bench_pages(count)
            write_warc(pages, root / f"in-{count}")
            if count == small:
                tokenizer_dir = root / "tokenizer"
                train_tokenizer((p.body.decode("utf-8", "replace") for p in pages[:300]),
                                vocab_size=4096).save(tokenizer_dir)
            sample, written = pages[:bare_count], len(pages)
            del pages
            before = bare_extract(sample)
            started = time.perf_counter()
            _, peak = run_job(root / f"in-{count}", root / f"out-{count}", tokenizer_dir / "tokenizer.json")
            runs[count] = (written, time.perf_counter() - started, peak)
            bares[count] = (len(sample), before, bare_extract(sample))
    (n_small, t_small, peak_small), (n_large, t_large, peak_large) = runs[small], runs[large]
    bare = {count: 2 * timed / (before + after) for count, (timed, before, after) in bares.items()}
    end_to_end = n_large / t_large
    marginal = (n_large - n_small) / (t_large - t_small)
    # Each job's time in bare-loop pages (what the loop did in as long, at its speed around that
    # job), so that a drift between the two jobs does not move the marginal ratio.
    marginal_ratio = (n_large - n_small) / (t_large * bare[large] - t_small * bare[small])
    rows = [
        {"stage": "pipeline", "metric": f"end-to-end docs/s, {n_large} pages, 2 workers (start-up included)",
         "figure": end_to_end, "baseline": bare[large], "ratio": end_to_end / bare[large], "target": ">= 1.6",
         "unit": "docs/s"},
        {"stage": "pipeline", "metric": f"marginal docs/s, {n_small} -> {n_large} pages, 2 workers",
         "figure": marginal, "baseline": marginal / marginal_ratio, "ratio": marginal_ratio, "target": ">= 1.6",
         "unit": "docs/s"},
        {"stage": "pipeline", "metric": f"peak RSS of the largest process, {n_large} vs {n_small} pages",
         "figure": peak_large, "baseline": peak_small, "ratio": peak_large / peak_small,
         "target": "flat but the dedup index", "unit": "MB"},
    ]
    for count, (pages_timed, before, after) in bares.items():
        print(f"bare trafilatura.extract, 1 core, {pages_timed} pages: {pages_timed / before:.1f} docs/s before "
              f"the {count}-page job, {pages_timed / after:.1f} after")
    print_rows(rows, args.json)
    return 0


def print_rows(rows: list[dict[str, Any]], json_path: Path | None) -> None:
    """Each row's figure beside its baseline as a ratio; appended to `json_path` as JSON lines too."""
    for row in rows:
        print(f"{row['metric']}: {float(row['figure']):,.1f} vs {float(row['baseline']):,.1f} {row['unit']}, "
              f"ratio {float(row['ratio']):.2f} (target {row['target']})")
    if json_path:
        with json_path.open("a", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row) + "\n" for row in rows)


if __name__ == "__main__":
    sys.exit(main())
