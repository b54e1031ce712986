#!/usr/bin/env python3
"""Benchmark the page crawl against a bare Scrapy spider fetching the same sample-web URLs.

    .venv/bin/python bench/crawl.py [--quick] [--json PATH]

The sample web serves a few thousand article pages over 26 hosts on 127.0.0.1. Both crawlers
run in their own process with the same Scrapy settings (robots.txt, concurrency, the hosts-file
resolver; AutoThrottle off so politeness delays do not hide the overhead): `webtext crawl pages`
reads the URLs from the link store and writes WARC files and store updates; the baseline spider
reads the same URLs from a text file and writes nothing. Figures: pages per second from the
first page to the last written (start-up and shutdown excluded; target: at least 0.8 of the
bare spider) and peak resident memory, measured by the kernel for each process (`wait4`); ours
adds its WARC writer process's own peak (`VmHWM`), since the two run side by side. The machine
may be shared, so each size runs five times, alternating the two crawlers, and the best rate of
each is kept. The full run also crawls 20k URLs (once) to show
that memory does not grow with the number of URLs.
"""

from __future__ import annotations

import os
import sys

# bench/tokenize.py would shadow the standard library's tokenize: take bench/ off sys.path first.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import argparse
import hashlib
import json
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CRAWL = (
    "import argparse, sys\n"
    "from webtext.cli import crawl\n"
    "from webtext.core.entrypoint import run_main\n"
    "parser = argparse.ArgumentParser(prog='webtext')\n"
    "crawl.register(parser.add_subparsers(dest='command'))\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(run_main(lambda: args.func(args)))\n"
)
CONCURRENCY = ["--concurrency", "32", "--per-domain", "8", "--no-autothrottle", "--timeout", "10"]


def bare_crawl(urls_file: str, hosts_file: str, out: str) -> None:
    """The baseline: a plain Scrapy spider with the same settings that fetches and discards."""
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from webtext.crawl.spiders.settings import crawler_settings

    done: dict[str, Any] = {"pages": 0, "times": []}

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            with open(urls_file, encoding="utf-8") as handle:
                for line in handle:
                    yield scrapy.Request(line.strip(), dont_filter=True, callback=self.parse)

        def parse(self, response: Any) -> None:
            done["pages"] += 1
            done["times"][1:] = [time.monotonic()]

    settings = crawler_settings(WEBTEXT_HOSTS_FILE=hosts_file, WEBTEXT_ALLOW_PRIVATE=True, CONCURRENT_REQUESTS=32,
                                CONCURRENT_REQUESTS_PER_DOMAIN=8, AUTOTHROTTLE_ENABLED=False, DOWNLOAD_TIMEOUT=10,
                                LOG_LEVEL="ERROR", LOG_INSTALL_ROOT_HANDLER=False)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    first, last = done["times"]
    Path(out).write_text(json.dumps({"pages": done["pages"], "rate": (done["pages"] - 1) / (last - first)}))


# Run a command from a small launcher process and print its peak RSS as the kernel saw it. Linux
# carries a forked child's memory high-water mark over from its parent, so the bench process
# (which holds the sample web) must not be the crawler's direct parent.
LAUNCH = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(usage.ru_maxrss)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def measured(argv: list[str]) -> int:
    """Run `argv`; returns its peak resident memory in KiB (from the kernel, for that process only)."""
    done = subprocess.run([sys.executable, "-c", LAUNCH, *argv], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{argv[:4]}... failed with exit {done.returncode}")
    return int(done.stdout.strip())


def prepare(work: Path, web: Any, count: int) -> tuple[Path, Path]:
    """A link store with `count` pending article URLs, and the same URLs in a text file."""
    store = work / f"links-{count}.sqlite"
    subprocess.run([sys.executable, "-c", CRAWL, "crawl", "links", "--store", str(store), "--dump",
                    *map(str, web.dump_files)], check=True, capture_output=True)
    # a stable shuffle, so the URLs spread over every host as a real crawl's do
    articles = sorted({t.normalized for t in web.truth.values() if t.kind == "article"},
                      key=lambda url: hashlib.blake2b(url.encode(), digest_size=8).digest())[:count]
    db = sqlite3.connect(store)
    db.execute("CREATE TEMP TABLE keep (url TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO keep VALUES (?)", [(u,) for u in articles])
    db.execute("UPDATE urls SET status='below_threshold' WHERE url NOT IN (SELECT url FROM keep)")
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the store is copied as one file for each run
    db.close()
    urls = work / f"urls-{count}.txt"
    urls.write_text("".join(u + "\n" for u in articles))
    return store, urls


def run_once(work: Path, web: Any, store: Path, urls: Path, count: int) -> dict[str, float]:
    """One crawl of `count` URLs by each crawler: rates (pages/s) and peak memory (MiB)."""
    bare_out = work / f"bare-{count}.json"
    bare_rss = measured([sys.executable, __file__, "--bare-child", str(urls), str(web.hosts_file), str(bare_out)])
    bare = json.loads(bare_out.read_text())
    fresh = work / f"run-{count}" / "links.sqlite"
    shutil.rmtree(fresh.parent, ignore_errors=True)
    fresh.parent.mkdir()
    shutil.copy(store, fresh)
    ours_rss = measured([sys.executable, "-c", CRAWL, "crawl", "pages", "--store", str(fresh), "--warc-dir",
                         str(fresh.parent / "warc"), "--hosts-file", str(web.hosts_file), "--allow-private",
                         *CONCURRENCY])
    summary = json.loads((fresh.parent / "pages-summary.json").read_text())
    fetched = summary["pages"].get("fetched", 0)
    if fetched != count or bare["pages"] != count:
        raise SystemExit(f"expected {count} pages, got {fetched} (webtext) and {bare['pages']} (bare)")
    # our crawl is two processes: the crawler, and its WARC writer, which reports its own peak
    return {"ours_rate": float(summary["pages"]["pages_per_second"]), "bare_rate": bare["rate"],
            "ours_rss": ours_rss / 1024 + float(summary["pages"]["writer_peak_rss_mib"]),
            "bare_rss": bare_rss / 1024}


def run_size(work: Path, web: Any, count: int, repeats: int) -> dict[str, float]:
    """Best rate and highest peak memory over `repeats` alternating runs (the machine may be shared)."""
    store, urls = prepare(work, web, count)
    runs = [run_once(work, web, store, urls, count) for _ in range(repeats)]
    return {"ours_rate": max(r["ours_rate"] for r in runs), "bare_rate": max(r["bare_rate"] for r in runs),
            "ours_rss": max(r["ours_rss"] for r in runs), "bare_rss": max(r["bare_rss"] for r in runs)}


def emit(rows: list[dict[str, Any]], json_path: str | None, **row: Any) -> None:
    row = {"stage": "crawl", **row, "ratio": row["figure"] / row["baseline"]}
    rows.append(row)
    print(f"{row['metric']}: {row['figure']:.1f} {row['unit']} vs {row['baseline']:.1f} {row['unit']} "
          f"= {row['ratio']:.2f}x (target {row['target']})")
    if json_path:
        with open(json_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="500 URLs only (about a minute)")
    parser.add_argument("--json", help="append result rows to this JSON-lines file")
    parser.add_argument("--sizes", type=int, nargs="+", help="URL counts to crawl (default: 2000 20000)")
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs per size up to 2000 URLs (5)")
    parser.add_argument("--bare-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_child:
        bare_crawl(*args.bare_child)
        return 0
    from webtext.sampleweb.server import start_sample_web

    sizes = args.sizes or ([500] if args.quick else [2000, 20000])
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        # about 1 in 30 articles sits on the deliberately slow host and is left out: make enough
        web = start_sample_web(Path(tmp) / "web", articles=max(sizes) * 11 // 10, port=None, timeout_delay=1.0)
        try:
            results = {}
            for count in sizes:
                started = time.perf_counter()
                results[count] = result = run_size(Path(tmp), web, count, repeats=args.repeats if count <= 2000 else 1)
                hosts = len({u.split("/")[2] for u in (Path(tmp) / f"urls-{count}.txt").read_text().split()})
                emit(rows, args.json, metric=f"pages/s, {count} URLs on {hosts} hosts (vs bare Scrapy)",
                     figure=result["ours_rate"], baseline=result["bare_rate"], target=">= 0.8x", unit="pages/s")
                emit(rows, args.json, metric=f"peak RSS, {count} URLs (vs bare Scrapy)", figure=result["ours_rss"],
                     baseline=result["bare_rss"], target="informational", unit="MiB")
                print(f"  ({time.perf_counter() - started:.0f} s for {count} URLs)", file=sys.stderr)
            if len(sizes) > 1:
                small, large = results[sizes[0]], results[sizes[-1]]
                emit(rows, args.json, metric=f"peak RSS, {sizes[-1]} vs {sizes[0]} URLs", figure=large["ours_rss"],
                     baseline=small["ours_rss"], target="<= 1.1x (flat)", unit="MiB")
        finally:
            web.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
