#!/usr/bin/env python3
"""Benchmark the page crawl against a bare Scrapy spider fetching the same sample-web URLs.

    .venv/bin/python bench/crawl.py [--quick] [--json PATH]

The sample web serves a few thousand article pages over 24 hosts on 127.0.0.1. Both crawlers
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

With `--nodes 2` (the default) each run also partitions the same URLs in two (`webtext crawl
partition`), crawls both parts at once with two `webtext crawl pages` processes, each with the
same settings, and merges them: the aggregate rate runs from the first page either node wrote
to the last (target: at least 1.6 times one node), and each node's peak memory is its crawler's
plus its writer's. Beside it, the same parts crawled by as many bare spiders at once, against one
bare spider: what the machine allows any crawler made of Scrapy processes, the ceiling of the
nodes' ratio. The load average is printed at the start and the end, since the machine may
be shared.
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
    first, last = done["times"]  # time.monotonic: one clock for every process of the machine
    Path(out).write_text(json.dumps({"pages": done["pages"], "rate": (done["pages"] - 1) / (last - first),
                                     "first": first, "last": last}))


# Run a command from a small launcher process and print its peak RSS as the kernel saw it. Linux
# carries a forked child's memory high-water mark over from its parent, so the bench process
# (which holds the sample web) must not be the crawler's direct parent.
LAUNCH = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def measured(*argvs: list[str]) -> list[tuple[int, float]]:
    """Run the commands `argvs` side by side; returns the peak resident memory (KiB) of each, from
    the kernel for that process only, and the CPU seconds it and the children it waited for used."""
    launchers = [subprocess.Popen([sys.executable, "-c", LAUNCH, *argv], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True) for argv in argvs]
    results = []
    for argv, launcher in zip(argvs, launchers, strict=True):
        out, _ = launcher.communicate()
        if launcher.returncode != 0:
            raise SystemExit(f"{argv[:4]}... failed with exit {launcher.returncode}")
        rss, cpu = out.split()
        results.append((int(rss), float(cpu)))
    return results


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


def fresh_copy(store: Path, directory: Path) -> Path:
    """A copy of `store` alone in `directory` (emptied first)."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    shutil.copy(store, directory / "links.sqlite")
    return directory / "links.sqlite"


def pages_argv(web: Any, store: Path, warc: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", CRAWL, "crawl", "pages", "--store", str(store), "--warc-dir", str(warc),
            "--hosts-file", str(web.hosts_file), "--allow-private", *CONCURRENCY, *extra]


def run_once(work: Path, web: Any, store: Path, urls: Path, count: int, nodes: int) -> dict[str, float]:
    """One crawl of `count` URLs by each crawler: rates (pages/s) and peak memory (MiB)."""
    bare_out = work / f"bare-{count}.json"
    [(bare_rss, _)] = measured([sys.executable, __file__, "--bare-child", str(urls), str(web.hosts_file),
                                str(bare_out)])
    bare = json.loads(bare_out.read_text())
    fresh = fresh_copy(store, work / f"run-{count}")
    [(ours_rss, ours_cpu)] = measured(pages_argv(web, fresh, fresh.parent / "warc"))
    summary = json.loads((fresh.parent / "pages-summary.json").read_text())
    fetched = summary["pages"].get("fetched", 0)
    if fetched != count or bare["pages"] != count:
        raise SystemExit(f"expected {count} pages, got {fetched} (webtext) and {bare['pages']} (bare)")
    # our crawl is two processes: the crawler, and its WARC writer, which reports its own peak
    result = {"ours_rate": float(summary["pages"]["pages_per_second"]), "bare_rate": bare["rate"],
              "ours_rss": ours_rss / 1024 + float(summary["pages"]["writer_peak_rss_mib"]),
              "bare_rss": bare_rss / 1024, "cpu_ms_per_page": 1000 * ours_cpu / count}
    return {**result, **run_nodes(work, web, store, count, nodes)} if nodes > 1 else result


def run_nodes(work: Path, web: Any, store: Path, count: int, nodes: int) -> dict[str, float]:
    """The same URLs partitioned in `nodes` parts and crawled by as many `webtext crawl pages` at once,
    then merged: the rate of all together (first page of any to last page of any) and the peak
    memory of the largest node."""
    fresh = fresh_copy(store, work / f"nodes-{count}")
    warc = fresh.parent / "warc"
    subprocess.run([sys.executable, "-c", CRAWL, "crawl", "partition", "--store", str(fresh), "--parts", str(nodes),
                    "--warc-dir", str(warc)], check=True, capture_output=True)
    parts = [fresh.parent / "parts" / f"part-{k:03d}" for k in range(nodes)]
    bare_rate = run_bare_parts(web, parts)
    peaks = measured(*(pages_argv(web, part.with_suffix(".sqlite"), warc / part.name, "--summary",
                                  str(part.with_suffix(".json"))) for part in parts))
    pages = [json.loads(part.with_suffix(".json").read_text())["pages"] for part in parts]
    subprocess.run([sys.executable, "-c", CRAWL, "crawl", "merge", "--store", str(fresh)], check=True,
                   capture_output=True)
    with sqlite3.connect(fresh) as db:
        merged = db.execute("SELECT COUNT(*) FROM urls WHERE status='fetched'").fetchone()[0]
    if sum(p.get("fetched", 0) for p in pages) != count or merged != count:
        raise SystemExit(f"expected {count} pages from {nodes} nodes, got {[p.get('fetched') for p in pages]}, "
                         f"{merged} merged")
    span = max(p["last_page_at"] for p in pages) - min(p["first_page_at"] for p in pages)
    node_rss = [peak / 1024 + float(p["writer_peak_rss_mib"]) for (peak, _), p in zip(peaks, pages, strict=True)]
    # each node's own rate too: their sum is what the nodes reach while both crawl (start-up apart)
    return {"nodes_rate": (count - 1) / span, "node_rss": max(node_rss),
            "nodes_own_rate": sum(float(p["pages_per_second"]) for p in pages), "bare_nodes_rate": bare_rate}


def run_bare_parts(web: Any, parts: list[Path]) -> float:
    """The ceiling of this machine for the nodes: the URLs of each part crawled by a bare spider, all
    at once, as the nodes will; the rate of all together, first page of any to last page of any."""
    outs = []
    for part in parts:
        with sqlite3.connect(part.with_suffix(".sqlite")) as db:
            urls = [url for (url,) in db.execute("SELECT url FROM urls WHERE status='pending'")]
        part.with_suffix(".txt").write_text("".join(u + "\n" for u in urls))
        outs.append((part.with_suffix(".bare.json"), len(urls)))
    measured(*([sys.executable, __file__, "--bare-child", str(part.with_suffix(".txt")), str(web.hosts_file),
                str(out)] for part, (out, _) in zip(parts, outs, strict=True)))
    done = [json.loads(out.read_text()) for out, _ in outs]
    if [d["pages"] for d in done] != [n for _, n in outs]:
        raise SystemExit(f"bare spiders fetched {[d['pages'] for d in done]} of {[n for _, n in outs]} pages")
    return (sum(n for _, n in outs) - 1) / (max(d["last"] for d in done) - min(d["first"] for d in done))


def run_size(work: Path, web: Any, count: int, repeats: int, nodes: int) -> dict[str, float]:
    """Best rate and highest peak memory over `repeats` alternating runs (the machine may be shared)."""
    store, urls = prepare(work, web, count)
    runs = [run_once(work, web, store, urls, count, nodes) for _ in range(repeats)]
    return {key: (min if key.startswith("cpu") else max)(r[key] for r in runs) for key in runs[0]}


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
    parser.add_argument("--nodes", type=int, default=2, help="also crawl the URLs partitioned among this many "
                                                              "crawlers at once (2; 0 or 1: not)")
    parser.add_argument("--bare-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_child:
        bare_crawl(*args.bare_child)
        return 0
    from webtext.sampleweb.server import start_sample_web

    sizes = args.sizes or ([500] if args.quick else [2000, 20000])
    print(f"load average (1, 5, 15 min) at the start: {os.getloadavg()} on {os.cpu_count()} CPUs", file=sys.stderr)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        # about 1 in 30 articles sits on the deliberately slow host and is left out: make enough
        web = start_sample_web(Path(tmp) / "web", articles=max(sizes) * 11 // 10, port=None, timeout_delay=1.0)
        try:
            results = {}
            for count in sizes:
                started = time.perf_counter()
                results[count] = result = run_size(Path(tmp), web, count, args.repeats if count <= 2000 else 1,
                                                   args.nodes)
                hosts = len({u.split("/")[2] for u in (Path(tmp) / f"urls-{count}.txt").read_text().split()})
                emit(rows, args.json, metric=f"pages/s, {count} URLs on {hosts} hosts (vs bare Scrapy)",
                     figure=result["ours_rate"], baseline=result["bare_rate"], target=">= 0.8x", unit="pages/s")
                emit(rows, args.json, metric=f"peak RSS, {count} URLs (vs bare Scrapy)", figure=result["ours_rss"],
                     baseline=result["bare_rss"], target="informational", unit="MiB")
                cores = result["cpu_ms_per_page"] * result["ours_rate"] / 1000
                print(f"  one node: {result['cpu_ms_per_page']:.2f} CPU ms per page (crawler and writer, start-up "
                      f"included), {cores:.2f} cores busy at its rate; the sample web's server adds its own")
                if "nodes_rate" in result:
                    emit(rows, args.json, metric=f"pages/s, {count} URLs, {args.nodes} nodes at once vs 1 (bare "
                                                 f"Scrapy: {result['bare_rate']:.1f} pages/s)",
                         figure=result["nodes_rate"], baseline=result["ours_rate"], target=">= 1.6x", unit="pages/s")
                    emit(rows, args.json, metric=f"pages/s, {count} URLs, {args.nodes} bare spiders at once vs 1 "
                                                 "(the machine's ceiling for the row above)",
                         figure=result["bare_nodes_rate"], baseline=result["bare_rate"], target="informational",
                         unit="pages/s")
                    emit(rows, args.json, metric=f"peak RSS per node, {count} URLs, {args.nodes} nodes vs 1",
                         figure=result["node_rss"], baseline=result["ours_rss"], target="informational", unit="MiB")
                    print(f"  the nodes' own rates (first to last page of each) add up to "
                          f"{result['nodes_own_rate']:.1f} pages/s", file=sys.stderr)
                print(f"  ({time.perf_counter() - started:.0f} s for {count} URLs)", file=sys.stderr)
            if len(sizes) > 1:
                small, large = results[sizes[0]], results[sizes[-1]]
                emit(rows, args.json, metric=f"peak RSS, {sizes[-1]} vs {sizes[0]} URLs", figure=large["ours_rss"],
                     baseline=small["ours_rss"], target="<= 1.1x (flat)", unit="MiB")
                if "node_rss" in large:
                    emit(rows, args.json, metric=f"peak RSS per node, {sizes[-1]} vs {sizes[0]} URLs",
                         figure=large["node_rss"], baseline=small["node_rss"], target="<= 1.1x (flat)", unit="MiB")
            print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}", file=sys.stderr)
        finally:
            web.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
