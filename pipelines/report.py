"""The main job's report beside the shards: report.json, report.md, report.html, its figures, and DATACARD.md.

`write_report` keeps everything the pipeline computed as data in report.json (the summary:
accounting, documents and words per stage, languages, domains, lengths, the WebText comparison,
duplicate clusters, decontamination, dead letters; the manifest's splits and tokenizer; the
runner's times; the provenance record), draws the figures (`webtext.pipelines.figures`), and
writes one list of blocks (`webtext.core.render`) as report.md and report.html, then the data
card (`webtext.pipelines.datacard`). Everything goes through `webtext.core.filesys`, so the output
may be a local directory or a URL, and each file appears whole or not at all.

The report opens with its provenance (`webtext.core.provenance`): the command, the time, the
input glob with its WARC files' count, total size and `listing_sha256` (names relative to the
glob's folder, and sizes: re-hashing the input would cost as much as the job), the corpus identity
(the SHA-256 of manifest.json, which lists every shard's SHA-256, and the tokenizer's hash) and
each evaluation set's `file_sha256`.

Per-stage times are Beam's per-transform execution times
(`beam:metric:ptransform_execution_time:total_msecs:v1`, summed per stage); the portable runner
may not report them, and then the report says so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from apache_beam.io.filesystems import FileSystems
from webtext.core import filesys
from webtext.core.config import to_jsonable
from webtext.core.provenance import about_blocks, file_sha256, listing_sha256, provenance
from webtext.core.render import Block, Bullets, Heading, to_html, to_markdown
from webtext.pipelines import report_domains, report_sections
from webtext.pipelines.datacard import write_datacard
from webtext.pipelines.figures import Figure, draw_figures
from webtext.pipelines.options import JobConfig
from webtext.pipelines.report_terms import glossary
from webtext.tokenize.shard_format import MANIFEST_NAME

TITLE = "Corpus report"
_STAGE_OF_STEP = (("BuildCorpus/ReadWarc", "read"), ("BuildCorpus/Clean", "clean"),
                  ("BuildCorpus/ExactDedup", "exact_dedup"), ("BuildCorpus/NearDedup", "near_dedup"),
                  ("BuildCorpus/Decontaminate", "decontaminate"), ("Tokenize", "tokenize"),
                  ("WriteDocuments", "documents"), ("Sample", "tokenizer_sample"))
_TIME_METRIC = "ptransform_execution_time:total_msecs"
_GLOB = re.compile(r"[*?\[]")


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


def input_listing(pattern: str) -> dict[str, int]:
    """The files `pattern` matches, named relative to its folder (the part before the first wildcard), with
    their sizes."""
    wildcard = _GLOB.search(pattern)
    folder = pattern[:wildcard.start() if wildcard else len(pattern)].rpartition("/")[0]
    prefix = folder + "/" if folder else ""
    found = FileSystems.match([pattern])[0].metadata_list
    return {m.path[len(prefix):] if m.path.startswith(prefix) else m.path: m.size_in_bytes for m in found}


def job_provenance(out: str, config: JobConfig, manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The report's provenance record: command, time, input, corpus identity, evaluation sets."""
    files = input_listing(config.input)
    warcs = report_sections.plural(len(files), "WARC file")
    inputs = {"Input": f"{config.input}: {warcs}, {sum(files.values()):,} bytes, listing {listing_sha256(files)}",
              "Corpus": f"manifest.json {file_sha256(filesys.join(out, MANIFEST_NAME))}, "
                        f"tokenizer {manifest['tokenizer']['hash']}",
              **{f"Evaluation set {s.name}": f"{s.path} {file_sha256(s.path)}" for s in config.eval_sets}}
    return provenance(inputs)


def report_blocks(report: Mapping[str, Any], sections: Mapping[str, Any], figures: Mapping[str, Figure]) -> list[Block]:
    """The report's blocks, in reading order (`sections`: the run's settings as config.json holds them)."""
    parts: list[tuple[str, list[Block]]] = [
        ("Terms", [glossary(sections, report_sections.drops_of(report))]),
        ("Headline", report_sections.headline(report)),
        ("Documents per stage", report_sections.stages(report) + report_domains.figure_blocks(figures["funnel"])),
        ("Drop reasons", report_sections.drops(report) + report_domains.figure_blocks(figures["stages"])),
        ("Languages", report_sections.languages(report)),
        ("Tokens per split", report_sections.splits(report)),
        ("Documents files (documents/)", report_sections.documents_files(report)),
        ("Tokenizer training sample", report_sections.tokenizer_sample(report)),
        ("Duplicate clusters", report_sections.clusters(report)),
        ("Decontamination", report_sections.decontamination(report, sections)),
        ("Domains", report_domains.domains(report)),
        ("WebText fidelity", report_domains.fidelity(report, figures)),
        ("Document lengths", report_domains.lengths(report, figures)),
        ("Time per stage", report_sections.times(report)),
        ("Dead letters", report_sections.dead_letters(report)),
    ]
    warnings: list[Block] = [Heading("Warnings"), Bullets(tuple(report["warnings"]))] if report["warnings"] else []
    return [Heading(TITLE, 1), *warnings, *about_blocks(report["provenance"]),
            *(block for heading, body in parts for block in (Heading(heading), *body))]


def write_report(out: str | os.PathLike[str], summary: Mapping[str, Any], config: JobConfig,
                 seconds: Mapping[str, float], wall: float, runner: str) -> None:
    """Write report.json, the figures, report.md, report.html and DATACARD.md into `out` (the shard
    directory, a path or a URL) for the run of `config`."""
    out = os.fspath(out)
    manifest = filesys.read_json(filesys.join(out, MANIFEST_NAME))
    splits = {name: {"documents": s["n_docs"], "tokens": s["n_tokens"], "shards": len(s["shards"])}
              for name, s in sorted(manifest["splits"].items())}
    report = {**summary, "warnings": list(summary.get("warnings", [])), "splits": splits,
              "seconds_per_stage": dict(seconds), "wall_seconds": round(wall, 1), "runner": runner,
              "tokenizer": manifest["tokenizer"], "provenance": job_provenance(out, config, manifest)}
    filesys.write_json(filesys.join(out, "report.json"), report)
    sections = to_jsonable(config.sections())
    figures = {figure.name: figure for figure in draw_figures(out, report)}
    blocks = report_blocks(report, sections, figures)
    with filesys.open_write(filesys.join(out, "report.md"), "w") as handle:
        handle.write(to_markdown(blocks))
    with filesys.open_write(filesys.join(out, "report.html"), "w") as handle:
        handle.write(to_html(blocks, TITLE))
    write_datacard(out, report, sections, figures)
