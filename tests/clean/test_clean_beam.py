"""`CleanPages` in real Beam pipelines: outputs by tag, counters by reason, the time limit in workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to
from webtext.clean.beam import NAMESPACE, CleanPages
from webtext.clean.settings import CleanSettings, ExtractSettings
from webtext.core import reasons
from webtext.core.beamrun import local_runner
from webtext.core.document import Page


def _counters(result: Any) -> dict[str, int]:
    query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    return {m.key.metric.name: m.committed for m in query["counters"]}


def _pages(make_page: Callable[..., Page], article_html: Callable[..., str]) -> list[Page]:
    return [
        make_page(article_html(), url="http://a.example.com/1.html"),
        make_page(article_html(title="Second story"), url="http://b.example.com/2.html"),
        make_page(b"", url="http://c.example.com/empty.html"),
        make_page(b"%PDF-1.4", url="http://c.example.com/x.pdf", content_type="application/pdf"),
        make_page(article_html(paragraphs=["Back soon."]), url="http://d.example.com/stub.html"),
        make_page(article_html(), url="https://en.wikipedia.org/wiki/Park"),
    ]


def test_kept_and_dropped_outputs_and_counters(make_page: Callable[..., Page], article_html: Callable[..., str],
                                               local_pipeline: Callable[..., BeamTestPipeline]) -> None:
    pipeline = local_pipeline()
    result = pipeline | beam.Create(_pages(make_page, article_html)) | CleanPages()
    assert_that(result.kept | "KeptUrls" >> beam.Map(lambda d: d.url),
                equal_to(["http://a.example.com/1.html", "http://b.example.com/2.html"]), label="kept")
    assert_that(result.dropped | "Reasons" >> beam.Map(lambda d: (d.url.rsplit("/", 1)[-1], d.drop_reason)),
                equal_to([("empty.html", reasons.CLEAN_EMPTY), ("x.pdf", reasons.CLEAN_NOT_HTML),
                          ("stub.html", reasons.CLEAN_TOO_SHORT), ("Park", reasons.CLEAN_WIKIPEDIA)]),
                label="dropped")
    outcome = pipeline.run()
    outcome.wait_until_finish()
    assert _counters(outcome) == {"kept": 2, reasons.CLEAN_EMPTY: 1, reasons.CLEAN_NOT_HTML: 1,
                                  reasons.CLEAN_TOO_SHORT: 1, reasons.CLEAN_WIKIPEDIA: 1}


def test_kept_documents_carry_text_and_provenance(make_page: Callable[..., Page], article_html: Callable[..., str],
                                                  local_pipeline: Callable[..., BeamTestPipeline]) -> None:
    page = make_page(article_html(), url="http://a.example.com/1.html")
    with local_pipeline() as pipeline:
        kept = (pipeline | beam.Create([page]) | CleanPages()).kept
        assert_that(kept | beam.Map(lambda d: (d.title, d.reddit, "riverside park" in d.text)),
                    equal_to([("Riverside park to grow", page.reddit, True)]))


@pytest.mark.slow
def test_time_limit_holds_in_multiprocess_workers(slow_page: Page, make_page: Callable[..., Page],
                                                  article_html: Callable[..., str]) -> None:
    """DirectRunner multi_processing runs DoFns on worker threads of subprocesses."""
    settings = CleanSettings(extract=ExtractSettings(timeout_s=0.1))
    quick = make_page(article_html(), url="http://a.example.com/1.html")
    options = PipelineOptions(direct_num_workers=2, direct_running_mode="multi_processing")
    pipeline = beam.Pipeline(runner=local_runner(options), options=options)
    result = pipeline | beam.Create([slow_page, quick]) | CleanPages(settings)
    assert_that(result.dropped | "Dropped" >> beam.Map(lambda d: (d.url, d.drop_reason)),
                equal_to([(slow_page.url, reasons.CLEAN_TIMEOUT)]), label="dropped")
    assert_that(result.kept | "Kept" >> beam.Map(lambda d: d.url), equal_to([quick.url]), label="kept")
    outcome = pipeline.run()
    outcome.wait_until_finish()
    assert _counters(outcome) == {"kept": 1, reasons.CLEAN_TIMEOUT: 1}
