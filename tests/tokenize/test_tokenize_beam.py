"""`TokenizeAndWrite` on Beam's local runner: every document in its split, each shard written on its
own by whichever worker holds it, and the same bytes whatever the workers and the input order."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from webtext.core.document import Document
from webtext.core.errors import ConfigError
from webtext.tokenize.beam import LengthHistogram, TokenizeAndWrite, TokenizeOutputs
from webtext.tokenize.bpe import Tokenizer, load_tokenizer
from webtext.tokenize.shard_format import shard_of
from webtext.tokenize.shards import ShardSet, read_manifest, write_manifest

SPLITS = ("train", "val", "test")
Pairs = list[tuple[str, Document]]


def _pairs(prose: list[str], count: int = 120, first: int = 0) -> Pairs:
    """`count` documents, ids not in input order; 8 in 10 to train, 1 each to val and test."""
    docs = [Document(id=f"{index * 7919 % 1000:03d}-{index}", url=f"http://site.test/{index}",
                     domain="site.test", text=prose[index]) for index in range(first, first + count)]
    return [(SPLITS[0] if index % 10 > 1 else SPLITS[index % 10 + 1], doc) for index, doc in enumerate(docs)]


def _run(pipeline: beam.Pipeline, pairs: Pairs, tokenizer_dir: Path, output: Path,
         **options: Any) -> TokenizeOutputs:
    """The main job's composition: tokenize and write, then the manifest from the shard infos."""
    transform = TokenizeAndWrite(tokenizer_dir, output, f"{output}-spill", **{"shard_bytes": 8192, **options})
    outputs = pipeline | beam.Create(pairs) | transform
    _ = (outputs.shards | beam.combiners.ToList()
         | beam.Map(lambda shards: write_manifest(output, shards, tokenizer_file=transform.tokenizer_file)))
    return outputs


def _shard_ids(directory: Path, split: str) -> list[list[str]]:
    """The document ids of each shard of `split`, in file order."""
    ids = ShardSet.open(directory, split).doc_ids
    shards, start = [], 0
    for entry in read_manifest(directory)["splits"][split]["shards"]:
        shards.append(ids[start:start + entry["n_docs"]])
        start += entry["n_docs"]
    return shards


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_every_document_lands_in_its_split_ending_with_end_of_text(
        prose: list[str], tokenizer: Tokenizer, tokenizer_dir: Path, tmp_path: Path,
        local_pipeline: Callable[..., TestPipeline]) -> None:
    pairs = _pairs(prose)
    tokens = Counter(max(len(tokenizer.encode(doc.text)), 1).bit_length() - 1 for _, doc in pairs)  # no end-of-text
    with local_pipeline() as pipeline:
        outputs = _run(pipeline, pairs, tokenizer_dir, tmp_path)
        counts = outputs.shards | beam.Map(lambda info: (info.split, info.n_docs)) | beam.CombinePerKey(sum)
        assert_that(counts, equal_to([("train", 96), ("val", 12), ("test", 12)]))
        assert_that(outputs.lengths, equal_to([[[2**b, 2**(b + 1), n] for b, n in sorted(tokens.items())]]),
                    label="TokensPerDocument")
    assert load_tokenizer(tmp_path).hash == tokenizer.hash  # saved beside the shards
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    for split in SPLITS:
        shards = ShardSet.open(tmp_path, split, tokenizer_hash=tokenizer.hash)
        texts = {doc.id: doc.text for s, doc in pairs if s == split}
        assert sorted(shards.doc_ids) == sorted(texts)
        for index, doc_id in enumerate(shards.doc_ids):
            document = shards.document(index)
            assert document[-1] == tokenizer.eot_id
            assert tokenizer.decode(document[:-1].tolist()) == texts[doc_id]


def test_shard_count_follows_the_split_size_and_each_shard_is_its_hash_bucket_sorted_by_id(
        prose: list[str], tokenizer_dir: Path, tmp_path: Path, local_pipeline: Callable[..., TestPipeline]) -> None:
    with local_pipeline() as pipeline:
        _run(pipeline, _pairs(prose), tokenizer_dir, tmp_path)
    manifest = read_manifest(tmp_path)
    for split in SPLITS:
        count = len(manifest["splits"][split]["shards"])
        assert count == max(1, -(-manifest["splits"][split]["n_tokens"] * 2 // 8192))  # uint16: 2 bytes a token
        for index, ids in enumerate(_shard_ids(tmp_path, split)):
            assert ids == sorted(ids)
            assert {shard_of(doc_id, count) for doc_id in ids} <= {index}
    assert len(manifest["splits"]["train"]["shards"]) > 1


def test_a_document_s_shard_depends_only_on_its_id_and_the_shard_count(
        prose: list[str], tokenizer_dir: Path, tmp_path: Path, local_pipeline: Callable[..., TestPipeline]) -> None:
    few, more = _pairs(prose, 40), _pairs(prose, 40) + _pairs(prose, 80, first=40)
    for name, pairs in (("few", few), ("more", more)):
        with local_pipeline() as pipeline:
            _run(pipeline, pairs, tokenizer_dir, tmp_path / name, shards_per_split=3)
    before, after = _shard_ids(tmp_path / "few", "train"), _shard_ids(tmp_path / "more", "train")
    assert len(before) == len(after) == 3
    for kept, grown in zip(before, after, strict=True):
        assert set(kept) <= set(grown)


def test_a_shard_whose_bucket_is_empty_is_written_and_read_as_no_document(
        prose: list[str], tokenizer_dir: Path, tmp_path: Path, local_pipeline: Callable[..., TestPipeline]) -> None:
    pairs = _pairs(prose, 40)  # 4 val documents in 16 shards: at least 12 are empty
    with local_pipeline() as pipeline:
        _run(pipeline, pairs, tokenizer_dir, tmp_path, shards_per_split=16)
    entries = read_manifest(tmp_path)["splits"]["val"]["shards"]
    assert [entry["file"] for entry in entries] == [f"val-{i:05d}-of-00016.arrow" for i in range(16)]
    assert sum(entry["n_docs"] == 0 for entry in entries) >= 12
    val = ShardSet.open(tmp_path, "val")
    assert sorted(val.doc_ids) == sorted(doc.id for split, doc in pairs if split == "val")
    assert val.n_tokens == sum(entry["n_tokens"] for entry in entries)


def test_documents_in_any_order_give_the_same_bytes(
        prose: list[str], tokenizer_dir: Path, tmp_path: Path, local_pipeline: Callable[..., TestPipeline]) -> None:
    pairs = _pairs(prose)
    shuffled = pairs[:]
    random.Random(1).shuffle(shuffled)
    for name, order in (("given", pairs), ("shuffled", shuffled)):
        with local_pipeline() as pipeline:
            _run(pipeline, order, tokenizer_dir, tmp_path / name)
    assert _files(tmp_path / "given") == _files(tmp_path / "shuffled")


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
    files = _files(tmp_path / "one")
    assert "manifest.json" in files and len(files) > 5
    assert files.keys() == _files(tmp_path / "two").keys()
    for name, data in files.items():
        assert _files(tmp_path / "two")[name] == data, name


def test_bad_tokenizer_path_or_shard_count_fails_before_the_pipeline_runs(tokenizer_dir: Path,
                                                                          tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tokenizer not found"):
        TokenizeAndWrite(tmp_path / "nowhere", tmp_path / "out", str(tmp_path / "spill"))
    with pytest.raises(ConfigError, match="shards per split must be at least 1"):
        TokenizeAndWrite(tokenizer_dir, tmp_path / "out", str(tmp_path / "spill"), shards_per_split=0)
    assert not (tmp_path / "out").exists()


def test_length_histogram_counts_every_length_in_its_power_of_two_bucket(
        local_pipeline: Callable[..., TestPipeline]) -> None:
    lengths = [0, 0, *range(1, 10_000), 10_000, 70_000]  # more than the accumulator holds before counting
    with local_pipeline() as pipeline:
        histogram = pipeline | beam.Create(lengths) | beam.CombineGlobally(LengthHistogram())
        full = [[2**b, 2**(b + 1), 2**b] for b in range(2, 13)]  # [4, 8) holds 4 to 7, and so on
        assert_that(histogram, equal_to([[[1, 2, 3], [2, 4, 2], *full, [8192, 16384, 1809], [65536, 131072, 1]]]))
    with local_pipeline() as pipeline:
        assert_that(pipeline | beam.Create([]) | beam.CombineGlobally(LengthHistogram()), equal_to([[]]))
