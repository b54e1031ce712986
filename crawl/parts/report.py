"""The lines `webtext crawl partition` and `webtext crawl merge` print: one per part, then a summary line."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def parts_lines(summary: dict[str, Any]) -> list[str]:
    """One line per part: what it holds and how to crawl it (partition), or what came back (merge)."""
    lines = []
    for part in summary.get("parts", []):
        if "warc_dir" in part:  # a partition: the command a crawler runs on it
            stem = Path(part["file"]).with_suffix("")
            lines.append(f"  part {part['part']}: {part['urls']} URLs on {part['hosts']} hosts; crawl it with "
                         f"webtext crawl pages --store {part['file']} --warc-dir {part['warc_dir']} "
                         f"--summary {stem}-summary.json")
        else:
            waiting = f" ({part['unfinished_pages']} pages in WARC files still being written)" \
                if part["unfinished_pages"] else ""
            lines.append(f"  part {part['part']} ({part['file']}): {part['changed']} URLs changed; now "
                         f"{part['fetched']} fetched, {part['failed']} failed, {part['skipped']} skipped, "
                         f"{part['out']} still out{waiting}")
    return lines


def parts_line(summary: dict[str, Any]) -> str:
    """The summary line of either command."""
    urls = summary["store"]["urls"]
    store = (f"store: {urls.get('fetched', 0)} fetched, {urls.get('failed', 0)} failed, "
             f"{urls.get('skipped', 0)} skipped, {urls.get('pending', 0)} pending, "
             f"{urls.get('handed_out', 0)} handed out to parts")
    if "taken_back" in summary:
        return f"crawl: took back {summary['taken_back']} URLs from parts (now pending); {store}"
    if not summary.get("partitioning") and "handed_out" in summary:
        return f"crawl: no pending URLs to hand out, no parts written; {store}"
    if "handed_out" in summary:
        return (f"crawl: handed out {summary['handed_out']} URLs in {len(summary['parts'])} parts "
                f"(partitioning {summary['partitioning']}); {store}")
    still = "; re-run the parts that hold the rest, then merge again" if urls.get("handed_out") else ""
    return f"crawl: merged {len(summary['parts'])} parts, {summary['changed']} URLs changed; {store}{still}"
