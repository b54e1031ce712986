"""While the main job runs it logs a progress line every `--progress-seconds`: pages read, documents
kept, the rate and the stage, from Beam counters the workers report while their bundles run."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.metrics import Metrics
from apache_beam.options.pipeline_options import PipelineOptions
from webtext.core.beamrun import local_runner
from webtext.pipelines.corpus import STAGE_COUNTERS, STAGES
from webtext.pipelines.options import job_parser
from webtext.pipelines.progress import TOKENIZED, TOKENS, ProgressPipeline, clock, progress_line, result_counters

BIN = Path(sys.executable).parent
COPIES = 3
LINE = re.compile(r"^progress: (?:(?P<phase>phase \d/\d) )?(?P<clock>\d+m\d\ds): (?P<body>.*)$")
PAGES = re.compile(r"([\d,]+) pages read \(([\d,.]+)/s\)")
KEPT = re.compile(r"([\d,]+) documents kept")


@pytest.fixture(scope="module")
def copies(sample_warc: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample web's WARC files, `COPIES` times: a job whose read stage spans several progress lines."""
    directory = tmp_path_factory.mktemp("copies")
    for copy in range(COPIES):
        for warc in sorted(sample_warc.glob("*.warc.gz")):
            shutil.copyfile(warc, directory / f"copy{copy}-{warc.name}")
    return directory


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_the_line_says_pages_read_their_rate_documents_kept_and_the_stage() -> None:
    counts = {STAGE_COUNTERS["read"]: 45_210, STAGE_COUNTERS["clean"]: 30_000, STAGE_COUNTERS["exact_dedup"]: 25_000,
              STAGE_COUNTERS["near_dedup"]: 21_877}
    assert progress_line("phase 1/2", 750.4, counts, 750.0) == (
        "progress: phase 1/2 12m30s: 45,210 pages read (60.3/s), 21,877 documents kept; in near_dedup")
    assert progress_line("", 5, {STAGE_COUNTERS["read"]: 10}, 4.0) == "progress: 0m05s: 10 pages read (2.5/s); in read"


def test_tokenizing_alone_is_rated_in_documents_and_no_counts_say_so() -> None:
    assert progress_line("phase 2/2", 3725, {TOKENIZED: 1_000, TOKENS: 2_000_000}, 100.0) == (
        "progress: phase 2/2 1h02m05s: 1,000 documents tokenized (10.0/s), 2,000,000 tokens; in tokenize")
    assert progress_line("phase 1/2", 30, None, 0.0) == "progress: phase 1/2 0m30s: no counts yet"
    assert progress_line("phase 1/2", 30, {}, 0.0) == "progress: phase 1/2 0m30s: no counts yet"
    assert [clock(s) for s in (0, 59.9, 60, 3600)] == ["0m00s", "0m59s", "1m00s", "1h00m00s"]


def test_the_counters_of_a_result_are_read_summed_over_steps() -> None:
    options = PipelineOptions(flags=[])
    counter = Metrics.counter("read", "pages")
    pipeline = beam.Pipeline(runner=local_runner(options), options=options)
    numbers = pipeline | beam.Create(range(7))
    _ = numbers | "Once" >> beam.Map(lambda _: counter.inc())
    _ = numbers | "Twice" >> beam.Map(lambda _: counter.inc(2))
    result = pipeline.run()
    result.wait_until_finish()
    assert result_counters(result)[STAGE_COUNTERS["read"]] == 21


def test_negative_seconds_are_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        job_parser("beam run pipelines/webtext.py", "").parse_args(["--progress-seconds", "-1"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "beam run pipelines/webtext.py: error: argument --progress-seconds: seconds cannot be negative (got -1)")


@pytest.mark.slow
def test_the_job_reports_pages_rising_while_it_reads_and_its_stages_in_order(
        copies: Path, small_tokenizer: Path, tmp_path: Path, repo_root: Path) -> None:
    result = subprocess.run([str(BIN / "beam"), "run", "pipelines/webtext.py", f"--input={copies}/*.warc.gz",
                             f"--output={tmp_path / 'out'}", f"--tokenizer={small_tokenizer}",
                             "--direct_num_workers=2", "--progress-seconds=1"],
                            capture_output=True, text=True, cwd=repo_root, timeout=270)
    assert result.returncode == 0, result.stderr[-3000:]
    total = _number(result.stdout.split()[0])  # "N records: ..."
    lines = [m for line in result.stderr.splitlines() if (m := LINE.match(line.partition(": ")[2]))]
    pages = [_number(p[1]) for m in lines if (p := PAGES.search(m["body"]))]
    assert pages == sorted(pages) and max(pages) == total  # every record of the sample web is a page
    assert any(0 < p < total for p in pages), "pages were only counted once their stage ended"
    order = [*STAGES, "tokenize"]
    stages = [order.index(m["body"].rsplit("; in ", 1)[1]) for m in lines if "; in " in m["body"]]
    assert stages == sorted(stages) and order.index("clean") in stages
    for m in lines:
        if (p := PAGES.search(m["body"])) and (k := KEPT.search(m["body"])):
            assert _number(k[1]) <= _number(p[1])


@pytest.mark.parametrize("every", [0.05, 0])
def test_a_pipeline_logs_lines_headed_by_its_phase_every_period_and_none_at_zero(
        every: float, caplog: pytest.LogCaptureFixture) -> None:
    options = PipelineOptions(flags=[])
    with caplog.at_level(logging.INFO, logger="webtext.pipeline"), \
            ProgressPipeline(local_runner(options), options, every=every, phase="phase 2/2") as pipeline:
        _ = pipeline | beam.Create(range(5)) | beam.Map(lambda n: time.sleep(0.2) or n)  # 20 periods of 0.05 s
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("progress:")]
    if every:
        assert lines and all(LINE.match(line)["phase"] == "phase 2/2" for line in lines)
    else:
        assert lines == []
