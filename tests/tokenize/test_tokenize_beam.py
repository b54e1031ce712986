"""`TokenizeAndWrite` on Beam's DirectRunner: every document in its split, deterministic shards."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from webtext.core.document import Document
from webtext.core.errors import ConfigError
from webtext.tokenize.beam import TokenizeAndWrite
from webtext.tokenize.bpe import Tokenizer, load_tokenizer
from webtext.tokenize.shards import ShardSet, write_manifest

SPLITS = ("train", "val", "test")


def _pairs(prose: list[str]) -> list[tuple[str, Document]]:
    """120 documents, ids not in input order; 8 in 10 to train, 1 each to val and test."""
    docs = [Document(id=f"{index * 7919 % 1000:03d}-{index}", url=f"http://site.test/{index}",
                     domain="site.test", text=text) for index, text in enumerate(prose[:120])]
    return [(SPLITS[0] if index % 10 > 1 else SPLITS[index % 10 + 1], doc) for index, doc in enumerate(docs)]


def _run(pipeline: beam.Pipeline, pairs: list[tuple[str, Document]], tokenizer_dir: Path,
         output: Path) -> beam.PCollection:
    """The pipeline's composition: tokenize and write, then the manifest from the shard infos."""
    transform = TokenizeAndWrite(tokenizer_dir, output, shard_bytes=8192)
    infos = pipeline | beam.Create(pairs) | transform
    _ = (infos | beam.combiners.ToList()
         | beam.Map(lambda shards: write_manifest(output, shards, tokenizer_file=transform.tokenizer_file)))
    return infos


def test_every_document_lands_in_its_split_ending_with_end_of_text(
        prose: list[str], tokenizer: Tokenizer, tokenizer_dir: Path, tmp_path: Path,
        local_pipeline: Callable[..., TestPipeline]) -> None:
    pairs = _pairs(prose)
    with local_pipeline() as pipeline:
        infos = _run(pipeline, pairs, tokenizer_dir, tmp_path)
        counts = infos | beam.Map(lambda info: (info.split, info.n_docs)) | beam.CombinePerKey(sum)
        assert_that(counts, equal_to([("train", 96), ("val", 12), ("test", 12)]))
    assert load_tokenizer(tmp_path).hash == tokenizer.hash  # saved beside the shards
    for split in SPLITS:
        shards = ShardSet.open(tmp_path, split, tokenizer_hash=tokenizer.hash)
        expected = sorted((doc.id, doc.text) for s, doc in pairs if s == split)
        assert shards.doc_ids == [doc_id for doc_id, _ in expected]
        for index, (_, text) in enumerate(expected):
            document = shards.document(index)
            assert document[-1] == tokenizer.eot_id
            assert tokenizer.decode(document[:-1].tolist()) == text
    assert len(ShardSet.open(tmp_path, "train").shard_tokens) > 1


@pytest.mark.slow
def test_shards_are_byte_identical_whatever_the_workers_and_order(
        prose: list[str], tokenizer_dir: Path, tmp_path: Path, local_pipeline: Callable[..., TestPipeline]) -> None:
    pairs = _pairs(prose)
    shuffled = pairs[:]
    random.Random(1).shuffle(shuffled)
    with local_pipeline(direct_num_workers=1) as pipeline:
        _run(pipeline, pairs, tokenizer_dir, tmp_path / "one")
    with local_pipeline(direct_num_workers=2, direct_running_mode="multi_processing") as pipeline:
        _run(pipeline, shuffled, tokenizer_dir, tmp_path / "two")
    files = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert "manifest.json" in files and len(files) > 5
    assert files == sorted(p.name for p in (tmp_path / "two").iterdir())
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_bad_tokenizer_path_fails_before_the_pipeline_runs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tokenizer not found"):
        TokenizeAndWrite(tmp_path / "nowhere", tmp_path / "out")
    assert not (tmp_path / "out").exists()
