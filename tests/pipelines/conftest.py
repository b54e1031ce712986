"""Fixtures of the pipeline tests: the sample web's pages in WARC files, and a tokenizer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from webtext.crawl.warcwrite import Fetched, RollingWarcWriter
from webtext.sampleweb.server import RunningSampleWeb
from webtext.tokenize.bpe import train_tokenizer


@pytest.fixture(scope="session")
def sample_warc(sample_web: RunningSampleWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every page the sample web's truth says is fetched, written by the crawler's WARC writer."""
    directory = tmp_path_factory.mktemp("warc")
    writer = RollingWarcWriter(directory, max_bytes=200_000)
    for page in sample_web.site.fetched_pages():
        writer.write(Fetched(link_url=page.url, url=page.url, status=200, reason="OK", headers=list(page.headers),
                             body=page.body, request_headers=[("User-Agent", "webtext-tests")],
                             fetched_at=page.fetched_at, reddit_json=json.dumps([p.to_dict() for p in page.reddit])))
        if writer.full:
            writer.close()
    writer.close()
    return directory


@pytest.fixture(scope="session")
def small_tokenizer(sample_web: RunningSampleWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,024-token byte-level BPE trained on the sample web's article text."""
    texts = [t.article_text for t in sample_web.truth.values() if t.article_text]
    directory = tmp_path_factory.mktemp("tokenizer")
    train_tokenizer(texts, vocab_size=1024).save(directory)
    return directory / "tokenizer.json"
