"""Synthetic corpora with planted duplicates, a runner that collects a Beam pipeline's outputs, and
exact-then-near dedup run on it."""

from __future__ import annotations

import glob
import os
import pickle
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from webtext.core.beamrun import default_runner, local_runner
from webtext.core.document import Document, RedditPost
from webtext.dedup.beam import ExactDedup, NearDedup
from webtext.dedup.settings import DedupSettings

VOCABULARY = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "su", "ta", "vi", "zo", "be", "da")
              for b in ("rak", "len", "mos", "tin", "vur", "gas", "pol", "xen", "dor", "fim", "hul", "qes")]


def words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(VOCABULARY) + str(rng.randrange(1000)) for _ in range(count)]


def make_doc(index: int, text: str, score: int, fetched_at: str = "2017-06-01T00:00:00Z") -> Document:
    return Document(id=f"doc{index:05d}", url=f"http://site{index % 7}.test/{index}", domain=f"site{index % 7}.test",
                    text=text, fetched_at=fetched_at,
                    reddit=(RedditPost(f"p{index}", "news", score, 1_500_000_000),))


@dataclass
class Corpus:
    docs: list[Document]
    exact_of: dict[str, str] = field(default_factory=dict)  # dropped id -> kept id
    near_of: dict[str, str] = field(default_factory=dict)


def build_corpus(seed: int = 0, originals: int = 40, length: int = 300) -> Corpus:
    """Originals; for every 4th an exact copy (case/space changes) with a lower score; for every
    4th+1 two near copies (2 words edited, a line appended), one with a lower score and one with
    an equal score but a later fetch."""
    rng = random.Random(seed)
    corpus = Corpus([])
    index = 0
    for n in range(originals):
        text = " ".join(words(rng, length))
        original = make_doc(index := index + 1, text, score=100 + n)
        corpus.docs.append(original)
        if n % 4 == 0:
            copy = make_doc(index := index + 1, "  " + text.upper().replace(" ", "\n "), score=50)
            corpus.docs.append(copy)
            corpus.exact_of[copy.id] = original.id
        if n % 4 == 1:
            for score, fetched in ((10, "2017-06-01T00:00:00Z"), (100 + n, "2017-07-01T00:00:00Z")):
                edited = text.split()
                for position in rng.sample(range(length), 2):
                    edited[position] = "edited"
                copy = make_doc(index := index + 1, " ".join(edited) + "\nShared from the wire service.", score,
                                fetched)
                corpus.docs.append(copy)
                corpus.near_of[copy.id] = original.id
    return corpus


@pytest.fixture
def corpus() -> Corpus:
    return build_corpus()


@pytest.fixture
def corpus_factory() -> Callable[..., Corpus]:
    return build_corpus


def collect_outputs(docs: list[Any], build: Callable[[beam.PCollection], dict[str, beam.PCollection]],
                    workers: int = 1) -> dict[str, list[Any]]:
    """Run `build` over `docs` on the local runner with `workers` workers; return each output's elements."""
    with tempfile.TemporaryDirectory() as out:
        options = PipelineOptions(flags=[], direct_num_workers=workers)
        if workers != 1:
            options = default_runner(options)  # worker processes, as the main job and `webtext dedup` run them
        with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
            outputs = build(pipeline | beam.Create(docs))
            for name, pcoll in outputs.items():
                (pcoll | f"Pickle{name}" >> beam.Map(lambda x: pickle.dumps(x).hex())
                 | f"Write{name}" >> beam.io.WriteToText(os.path.join(out, name)))
        return {name: [pickle.loads(bytes.fromhex(line)) for path in glob.glob(os.path.join(out, name + "-*"))
                       for line in open(path).read().split()] for name in outputs}


@pytest.fixture
def collect() -> Callable[..., dict[str, list[Any]]]:
    return collect_outputs


def dedup_outputs(docs: list[Document], workers: int = 1) -> dict[str, list[Any]]:
    """Exact then near dedup of `docs`: the elements of "kept", "exact" and "near" (dropped
    documents), "exact_clusters" and "near_clusters" (reports)."""
    with tempfile.TemporaryDirectory() as spill:
        def build(pcoll: beam.PCollection) -> dict[str, beam.PCollection]:
            exact = pcoll | "Exact" >> ExactDedup(spill)
            near = exact.kept | "Near" >> NearDedup(spill, DedupSettings())
            return {"kept": near.kept, "exact": exact.dropped, "near": near.dropped,
                    "exact_clusters": exact.report, "near_clusters": near.report}

        return collect_outputs(docs, build, workers)


@pytest.fixture
def run_dedup() -> Callable[..., dict[str, list[Any]]]:
    """`run_dedup(docs, workers=1)`: see `dedup_outputs`."""
    return dedup_outputs
