#!/usr/bin/env python3
"""Scale benchmark of the main job: time and memory of `beam run pipelines/webtext.py` at 10k, 30k
and 100k distinct pages, each beside the smallest size as a ratio.

The pages are made by `bench/scale_pages.py` from the real pages of
`../shared/data/extraction-benchmark` (else the sample web's): distinct texts, 5% of them planted
near duplicates, written as WARC files with `bench/pipeline.py`'s writer. Each size runs the job
as the other benchmarks do (local FnApiRunner, multi_processing, 2 workers) with a given
tokenizer, trained beforehand on a few generated pages, so the measurement holds no BPE training.
While a job runs, /proc is polled for its process tree and each process's VmHWM (its peak
resident memory) is kept; `os.wait4` gives the same peak for the largest process as a check.

Figures, beside the smallest size: wall time against the smallest size's time scaled linearly
(the per-page cost growth; target within 15%), pages/s and kept docs/s, the peak RSS of the driver
and of each worker (ranked by peak) and of the largest process (target within 1.5x), and the
share of pages the job's report.json drops as duplicates against the share planted (the script
fails when more are dropped than planted, or fewer than planted less the copies LSH banding is
expected to miss, `ScaledPages.expected_misses`, plus three standard deviations). A planted copy
counts as found when it is dropped as `near_duplicate` or
as `exact_duplicate`: a copy whose changed word the extractor leaves out of this page's main text
has the same text as its source (a few per 10,000 pages), and exact dedup drops it first.

    .venv/bin/python bench/scale.py [--quick] [--sizes N ...] [--json PATH]
"""

from __future__ import annotations

import os
import sys

from _paths import EXTRACTION_BENCHMARK  # bench/_paths.py, while bench/ is still on sys.path

# bench/tokenize.py would shadow the standard library's `tokenize`: move bench/ to the end.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    sys.path.append(sys.path.pop(0))

import argparse
import itertools
import json
import math
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import BEAM, ROOT, print_rows, write_warc  # bench/pipeline.py
from scale_pages import ScaledPages, source_pages  # bench/scale_pages.py
from webtext.dedup.lsh import optimal_bands
from webtext.dedup.settings import DedupSettings
from webtext.tokenize.bpe import train_tokenizer

NEAR_SHARE = 0.05
# A worker writing a shard or a documents file holds that file (about 4x its bytes): with the
# defaults (256 MiB) that bound is reached only past 100k pages, so a run of 10k pages would hold
# less than the bound and the ratios would show the files growing, not the job. At 16 MiB every
# size holds several files per split, and what the ratios measure is what grows with the corpus.
UNIT_BYTES = "16MiB"
POLL_SECONDS = 0.2


@dataclass
class Run:
    """One job run: its size, wall time, the accounting of its report and its processes' peaks."""

    pages: int
    seconds: float
    accounting: dict[str, int]
    peaks_mb: dict[str, float] = field(default_factory=dict)  # "driver", "worker 1", ... -> MB
    largest_mb: float = 0.0

    def count(self, suffix: str) -> int:
        return sum(v for k, v in self.accounting.items() if k.endswith(suffix))

    @property
    def kept(self) -> int:
        return sum(v for k, v in self.accounting.items() if k.startswith("kept:"))


def _tree(root: int) -> list[int]:
    """`root` and its live descendants, from each process's parent in /proc/<pid>/stat."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _peak_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _label(pid: int, root: int) -> str:
    if pid == root:
        return "driver"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "other"
    return "worker" if any(b"worker" in arg for arg in argv) else Path(argv[0].decode()).name or "other"


def run_job(warc: Path, out: Path, tokenizer: Path, pages: int) -> Run:
    """Run the main job on `warc`, polling its process tree for each process's peak RSS."""
    command = [BEAM, "run", "pipelines/webtext.py", f"--input={warc}/*.warc.gz", f"--output={out}",
               f"--tokenizer={tokenizer}", "--direct_num_workers=2", f"--shard-bytes={UNIT_BYTES}",
               f"--documents-bytes={UNIT_BYTES}"]
    started = time.perf_counter()
    with (out.parent / f"{out.name}.log").open("w") as log:
        job = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        peaks: dict[int, tuple[str, int]] = {}
        while not (waited := os.wait4(job.pid, os.WNOHANG))[0]:
            for pid in _tree(job.pid):
                peak = _peak_kb(pid)
                if peak is not None:
                    label = peaks[pid][0] if pid in peaks else _label(pid, job.pid)
                    peaks[pid] = (label, max(peak, peaks.get(pid, ("", 0))[1]))
            time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    job.returncode = os.waitstatus_to_exitcode(waited[1])
    if job.returncode:
        tail = (out.parent / f"{out.name}.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"the job failed on {pages} pages (exit {job.returncode}):\n{tail}")
    accounting = json.loads((out / "report.json").read_text())["accounting"]
    run = Run(pages, seconds, accounting)
    for label, group in itertools.groupby(sorted(peaks.values(), key=lambda p: (p[0], -p[1])), key=lambda p: p[0]):
        for rank, (_, kb) in enumerate(group, 1):
            run.peaks_mb[label if label == "driver" else f"{label} {rank}"] = kb / 1024
    # wait4: the largest of the driver and the children it waited for, which /proc polls may miss
    run.largest_mb = max(waited[2].ru_maxrss / 1024, *run.peaks_mb.values())
    return run


def measure(sizes: list[int], root: Path, generator: ScaledPages) -> list[Run]:
    """Generate each size's pages as WARC, run the job on them, and delete them again."""
    tokenizer = root / "tokenizer"
    train_tokenizer((p.body.decode("utf-8", "replace") for p in generator.generate(300)),
                    vocab_size=4096).save(tokenizer)
    runs = []
    for count in sizes:
        started = time.perf_counter()
        write_warc(generator.generate(count), root / f"in-{count}")  # a generator: iterated once
        print(f"{count} pages: generated in {time.perf_counter() - started:.0f} s", flush=True)
        run = run_job(root / f"in-{count}", root / f"out-{count}", tokenizer / "tokenizer.json", count)
        shutil.rmtree(root / f"in-{count}")
        peaks = ", ".join(f"{label} {mb:,.0f} MB" for label, mb in run.peaks_mb.items())
        others = {k: v for k, v in run.accounting.items()
                  if k != "input" and not k.startswith("kept:") and not k.endswith(":near_duplicate")}
        print(f"{count} pages: {run.seconds:.0f} s, {count / run.seconds:.1f} pages/s, kept {run.kept}, "
              f"near duplicates {run.count(':near_duplicate')} (planted {round(count * NEAR_SHARE)}), "
              f"other drops {others or 'none'}; peak RSS: {peaks}", flush=True)
        runs.append(run)
    return runs


def _duplicates(run: Run) -> int:
    """Pages dropped as near or exact duplicates (see the module docstring)."""
    return run.count(":near_duplicate") + run.count(":exact_duplicate")


def rows(runs: list[Run]) -> list[dict[str, object]]:
    """The table's rows: each size beside the smallest, and the near-duplicate share of each."""
    base = runs[0]
    out: list[dict[str, object]] = []

    def row(metric: str, figure: float, baseline: float, target: str, unit: str) -> None:
        out.append({"stage": "scale", "metric": metric, "figure": figure, "baseline": baseline,
                    "ratio": figure / baseline if baseline else 0.0, "target": target, "unit": unit})

    for run in runs[1:]:
        vs = f"{run.pages} vs {base.pages} pages"
        row(f"wall time, {vs} (baseline: scaled linearly)", run.seconds, base.seconds * run.pages / base.pages,
            "<= 1.15", "s")
        row(f"pages/s, {vs}", run.pages / run.seconds, base.pages / base.seconds, ">= 0.87", "pages/s")
        row(f"kept docs/s, {vs}", run.kept / run.seconds, base.kept / base.seconds, ">= 0.87", "docs/s")
        for label, mb in run.peaks_mb.items():
            if label in base.peaks_mb:
                row(f"peak RSS, {label}, {vs}", mb, base.peaks_mb[label], "<= 1.5", "MB")
        row(f"peak RSS, largest process, {vs}", run.largest_mb, base.largest_mb, "<= 1.5", "MB")
    for run in runs:
        row(f"duplicate share dropped vs planted, {run.pages} pages", _duplicates(run) / run.pages,
            round(run.pages * NEAR_SHARE) / run.pages, "= 1.00", "")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 3,000 pages instead of 10k, 30k and 100k")
    parser.add_argument("--sizes", type=int, nargs="+", help="page counts, the first one the baseline")
    parser.add_argument("--json", type=Path, help="append result rows to this JSON-lines file")
    args = parser.parse_args()
    sizes = args.sizes or ([1000, 3000] if args.quick else [10_000, 30_000, 100_000])
    generator = ScaledPages(source_pages(EXTRACTION_BENCHMARK), near_share=NEAR_SHARE)
    with tempfile.TemporaryDirectory() as tmp:
        runs = measure(sorted(sizes), Path(tmp), generator)
    table = rows(runs)
    print_rows(table, args.json)
    wrong = [run.pages for run in runs if not _found_as_expected(run, generator)]
    if wrong:
        print(f"duplicates dropped differ from those planted at {wrong} pages", file=sys.stderr)
        return 1
    return 0


def _found_as_expected(run: Run, generator: ScaledPages) -> bool:
    """Whether the job dropped no more duplicates than planted, and missed no more than LSH banding
    is expected to (its expectation plus three standard deviations of a sum of rare misses)."""
    settings = DedupSettings()
    banding = optimal_bands(settings.threshold, settings.num_perm)
    expected = generator.expected_misses(run.pages, banding.bands, banding.rows, settings.shingle_size)
    planted, found = round(run.pages * NEAR_SHARE), _duplicates(run)
    allowed = math.floor(expected + 3 * math.sqrt(expected))
    print(f"{run.pages} pages: {found} of {planted} planted duplicates dropped; LSH is expected to miss "
          f"{expected:.2f} ({banding.bands} x {banding.rows}), up to {allowed} allowed", flush=True)
    return planted - allowed <= found <= planted


if __name__ == "__main__":
    sys.exit(main())
