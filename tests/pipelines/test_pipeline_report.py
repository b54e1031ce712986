"""The corpus report: report.md and report.html of a real run of the main job, and its sections on
hand-made data where a run cannot show a case (more domains than the sample web has, other
decontamination modes, text that HTML must escape)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from webtext.core.provenance import file_sha256, listing_sha256
from webtext.core.render import MAX_COLUMNS, Paragraph, to_html
from webtext.pipelines.figures import Figure
from webtext.pipelines.report import report_blocks
from webtext.pipelines.report_domains import TOP_SHOWN, domains, median_bucket, rest_of_domains
from webtext.pipelines.report_sections import archived_sentence, decontamination, headline, percent
from webtext.sampleweb.server import RunningSampleWeb

from tests.browser import Chromium
from tests.conftest import assert_png_drawn

pytestmark = pytest.mark.xdist_group("reported_job")  # one worker builds the job the tests read


def _report(job: Path) -> dict[str, Any]:
    return json.loads((job / "report.json").read_text())


def _section(markdown: str, heading: str) -> str:
    """The text of the `## heading` section of a report."""
    return markdown.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_a_share_is_never_rounded_to_zero_and_a_share_of_nothing_is_no_number() -> None:
    assert percent(1, 100_000) == "<0.1%"
    assert percent(0, 10) == "0.0%"
    assert percent(1, 3) == "33.3%"
    assert percent(1, 0) == "—"


def test_the_median_is_the_bucket_holding_the_middle_document() -> None:
    assert median_bucket([[1, 2, 1], [2, 4, 1], [4, 8, 5]]) == "4–7"
    assert median_bucket([[1, 2, 3], [64, 128, 1]]) == "1"
    assert median_bucket([]) == "—"


def test_domains_beyond_the_table_are_counted_and_sent_to_domains_csv() -> None:
    top = [{"domain": f"site{i:03d}.com", "documents": 200 - i} for i in range(100)]
    found = {"documents": 20_000, "distinct": 400, "top": top}
    shown = sum(d["documents"] for d in top[:TOP_SHOWN])
    assert rest_of_domains(found) == (f"375 more domains hold {percent(20_000 - shown, 20_000)} of the documents; "
                                      "all 400 domains are in domains.csv.")
    table = domains({"domains": found})[0].table
    assert len(table.rows) == TOP_SHOWN
    one_more = {"documents": 30, "distinct": TOP_SHOWN + 1, "top": top[:TOP_SHOWN + 1]}
    assert rest_of_domains(one_more).startswith("1 more domain holds ")
    assert rest_of_domains({"documents": 3, "distinct": 2, "top": top[:2]}) == \
        "These are all 2 domains; domains.csv lists them too."


def test_decontamination_that_drops_says_how_many_of_the_input() -> None:
    report = {"accounting": {"input": 200}, "decontamination": {
        "seen/documents_dropped": 3, "seen/documents_cut": 1, "seen/ngram_matches": 40,
        "unseen/documents_dropped": 0, "unseen/documents_cut": 0, "unseen/ngram_matches": 0}}
    lines = decontamination(report, {"dedup": {"decontaminate": "ngram", "overlap_ngram": 8}})[1].items
    assert lines == ("seen: 3 documents dropped (1.5% of input), 1 document cut, 40 n-gram matches",
                     "unseen: 0 documents dropped (0.0% of input), 0 documents cut, 0 n-gram matches")


@pytest.mark.slow
def test_the_read_stage_shows_no_words_and_says_why(reported_job: Path) -> None:
    report = _report(reported_job)
    stages = _section((reported_job / "report.md").read_text(), "Documents per stage")
    pages = report["stages"][0]["documents"]
    assert f"| read | {pages:,} | {percent(pages, report['accounting']['input'])} | — |" in stages
    assert "words are counted once the clean stage has extracted the text" in stages
    for stage in report["stages"][1:]:
        assert f"| {stage['stage']} | {stage['documents']:,} | " in stages


@pytest.mark.slow
def test_decontamination_shows_each_set_with_its_percentage(reported_job: Path) -> None:
    report = _report(reported_job)
    section = _section((reported_job / "report.md").read_text(), "Decontamination")
    counts = report["decontamination"]
    sets = {name.split("/")[0] for name in counts}
    assert sets == {"seen", "mixed", "unseen"}
    for name in sets:
        found, total = counts[f"{name}/ngrams_found"], counts[f"{name}/ngrams_total"]
        line = f"- {name}: {found:,} of {total:,} 8-grams occur in the kept documents ({percent(found, total)})"
        assert line in section
    assert "ngrams_found" not in section and "ngrams_total" not in section


@pytest.mark.slow
def test_domains_past_the_table_are_in_domains_csv(reported_job: Path) -> None:
    report = _report(reported_job)
    with open(reported_job / "domains.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == report["domains"]["distinct"] > TOP_SHOWN  # the sample web has more domains than shown
    section = _section((reported_job / "report.md").read_text(), "Domains")
    assert len(re.findall(r"^\| \S+ \| \d+ \| [\d.]+% \|$", section, re.M)) == TOP_SHOWN
    rest = sum(int(row["documents"]) for row in rows[TOP_SHOWN:])
    more = len(rows) - TOP_SHOWN
    assert (f"{more} more domain{'s' if more > 1 else ''} hold{'' if more > 1 else 's'} "
            f"{percent(rest, report['domains']['documents'])} of the documents; all {len(rows)} domains are in "
            "domains.csv.") in section


@pytest.mark.slow
def test_the_report_opens_with_digests_a_reader_can_recompute(reported_job: Path, sample_warc: Path,
                                                              sample_web: RunningSampleWeb) -> None:
    about = _section((reported_job / "report.md").read_text(), "About this report")
    warcs = {p.name: p.stat().st_size for p in sample_warc.glob("*.warc.gz")}
    assert f"{len(warcs)} WARC files, {sum(warcs.values()):,} bytes, listing {listing_sha256(warcs)}" in about
    assert f"manifest.json {file_sha256(reported_job / 'manifest.json')}" in about
    for spec in sample_web.eval_sets:
        name, path = spec.split("=", 1)
        assert f"Evaluation set {name}: {path} {file_sha256(path)}" in about
    assert _report(reported_job)["provenance"]["command"].startswith("beam run pipelines/webtext.py ")


@pytest.mark.slow
def test_report_html_says_what_report_md_says_in_tables_that_fit(reported_job: Path) -> None:
    page = (reported_job / "report.html").read_text()
    widths = [len(re.findall(r"<t[dh]>", row)) for row in re.findall(r"<tr>(.*?)</tr>", page)]
    assert widths and max(widths) <= MAX_COLUMNS
    markdown = (reported_job / "report.md").read_text()
    assert re.findall(r"<h2>(.*?)</h2>", page) == re.findall(r"^## (.*)$", markdown, re.M)
    images = re.findall(r'<img src="([^"]+)"', page)
    assert set(images) == set(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown))
    assert {"report.png", "funnel.png", "lengths.png"} <= set(images)
    for image in images:
        assert_png_drawn(reported_job / image)


@pytest.mark.slow
def test_report_html_escapes_what_it_shows(reported_job: Path) -> None:
    report = _report(reported_job)
    report["dead_letters"] = [{"source": "x.warc.gz:0", "error": "<script>alert(1)</script> & more"}]
    sections = json.loads((reported_job / "config.json").read_text())
    figures = {name: Figure(name, None, f"No {name} <figure>.") for name in ("stages", "funnel", "domains", "lengths")}
    page = to_html(report_blocks(report, sections, figures), "report")
    assert "<script>" not in page and "<figure>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page and "No domains &lt;figure&gt;." in page


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 800])
def test_report_html_fits_the_window(reported_job: Path, chromium: Chromium, tmp_path: Path, width: int) -> None:
    layout = chromium.overflow(reported_job / "report.html", width, tmp_path)
    assert layout.found == [] and layout.scroll <= layout.width, layout
    assert layout.images and all(width > 0 for width in layout.images.values()), layout.images


@pytest.mark.slow
def test_documents_from_a_web_archive_are_named_in_the_headline_and_the_card(reported_job: Path) -> None:
    report = _report(reported_job)
    assert report["archived"] == 0  # the fixture's crawl fetched every page live
    assert "web archive" not in _section((reported_job / "report.md").read_text(), "Headline")
    report["archived"] = 3
    sentence = archived_sentence(report)
    kept = report["domains"]["documents"]
    assert sentence.startswith(f"3 kept documents ({100 * 3 / kept:.1f}%) came from a web archive")
    assert any(isinstance(b, Paragraph) and b.text == sentence for b in headline(report))


@pytest.mark.slow
def test_the_job_prints_its_headline_figures_in_one_line(reported_job: Path) -> None:
    report = _report(reported_job)
    total, kept = report["accounting"]["input"], report["domains"]["documents"]
    (line,) = (reported_job.parent / "stdout.txt").read_text().splitlines()
    assert line == (f"{total} records: {kept} documents kept ({kept / total:.1%}), {total - kept} dropped; "
                    f"{report['webtext']['share']:.1%} of them from WebText's top 1,000 domains; shards, manifest, "
                    f"config, report and DATACARD.md in {reported_job}")
