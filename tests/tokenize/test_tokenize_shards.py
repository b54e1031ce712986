"""Shard writing and reading: contents, layout, zero-copy views, windows, and refusal of bad shards."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from webtext.core.errors import BadFileError, ConfigError
from webtext.tokenize.shards import (
    ShardEncoder,
    ShardInfo,
    ShardSet,
    ShardWriter,
    read_manifest,
    write_manifest,
    write_shard,
)

EOT = 1000
Expected = Callable[[int, int], list[np.ndarray]]
WriteSplit = Callable[..., list[ShardInfo]]
RandomDocs = Callable[..., list[np.ndarray]]


@pytest.fixture
def expected(random_docs: Callable[..., list[np.ndarray]]) -> Callable[[int, int], list[np.ndarray]]:
    """The documents `shard_dir` holds, each with its end-of-text token."""
    return lambda seed, count: [np.append(doc, EOT) for doc in random_docs(seed, count)]


def test_round_trip_with_boundaries_ids_and_manifest(shard_dir: Path, expected: Expected) -> None:
    train = ShardSet.open(shard_dir, "train")
    docs = expected(0, 300)
    assert len(train.shard_tokens) > 5  # 4 KiB shards: the split rolled over many files
    assert train.n_docs == 300 and train.n_tokens == sum(d.size for d in docs)
    assert train.doc_ids == [f"doc{i:05d}" for i in range(300)]
    assert np.array_equal(train.tokens, np.concatenate(docs))
    assert all(np.array_equal(train.document(i), docs[i]) for i in range(300))
    assert np.array_equal(np.diff(train.doc_offsets), [d.size for d in docs])
    ends = train.tokens[train.doc_offsets[1:] - 1]
    assert (ends == train.eot_id).all() and train.eot_id == EOT and train.vocab_size == 1001
    assert train.tokens.dtype == np.uint16
    manifest = read_manifest(shard_dir)
    names = [s["file"] for s in manifest["splits"]["train"]["shards"]]
    count = len(names)
    assert names == [f"train-{i:05d}-of-{count:05d}.arrow" for i in range(count)]
    assert manifest["drops"] == {"clean:too_short": 3} and manifest["split_rule"] == {"val": "every tenth"}
    assert sorted(p.name for p in shard_dir.iterdir()) == sorted([*names, "val-00000-of-00001.arrow",
                                                                   "manifest.json"])


def test_one_shard_split_is_a_zero_copy_view_of_the_file(shard_dir: Path, expected: Expected) -> None:
    val = ShardSet.open(shard_dir, "val")
    assert len(val.shard_tokens) == 1 and val.tokens is val.shard_tokens[0]
    assert not val.tokens.flags.owndata and not val.tokens.flags.writeable
    assert np.array_equal(val.tokens, np.concatenate(expected(1, 30)))


def test_windows_match_slices_of_the_flat_stream_across_shards(shard_dir: Path, expected: Expected) -> None:
    train = ShardSet.open(shard_dir, "train")
    flat = np.concatenate(expected(0, 300))
    rng = np.random.default_rng(0)
    for length in (1, 7, 1025, 3000):  # 3000 tokens span whole 2048-token shards
        starts = np.concatenate([rng.integers(0, flat.size - length + 1, 200), [0, flat.size - length],
                                 train.chunk_bounds[1:-1] - length // 2])
        starts = starts[(starts >= 0) & (starts <= flat.size - length)]
        windows = train.windows(starts, length)
        assert windows.shape == (starts.size, length) and windows.dtype == np.uint16
        assert np.array_equal(windows, np.stack([flat[s:s + length] for s in starts]))
    with pytest.raises(ValueError, match="must start in"):
        train.windows(np.array([flat.size - 10]), 11)


def test_large_vocabulary_uses_uint32(tmp_path: Path, write_split: WriteSplit) -> None:
    docs = [np.array([70_000, 5, 99_999]), np.array([1])]
    infos = write_split(tmp_path, "train", docs, vocab_size=100_001)
    write_manifest(tmp_path, infos)
    shards = ShardSet.open(tmp_path, "train")
    assert shards.tokens.dtype == np.uint32
    assert shards.tokens.tolist() == [70_000, 5, 99_999, 100_000, 1, 100_000]


def test_files_load_with_pyarrow_and_datasets(shard_dir: Path, expected: Expected) -> None:
    import datasets

    path = shard_dir / "val-00000-of-00001.arrow"
    table = pa.ipc.open_stream(pa.memory_map(str(path))).read_all()
    assert table.column_names == ["id", "tokens"] and table.num_rows == 30
    assert table.schema.field("tokens").type == pa.list_(pa.uint16())
    dataset = datasets.Dataset.from_file(str(path))
    assert dataset.num_rows == 30 and dataset[3]["id"] == "doc00003"
    assert dataset[3]["tokens"] == expected(1, 30)[3].tolist()


def _write_then_fail(directory: Path) -> None:
    with ShardWriter(directory, "train", "h", 1001, shard_bytes=64) as writer:
        for index in range(20):
            writer.write(f"d{index}", [1, 2, 3] * 10)  # rolls several shards first
        writer.write("bad", [1001])


def test_writer_checks_tokens_and_leaves_nothing_on_failure(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside the vocabulary"):
        _write_then_fail(tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="split name"):
        ShardWriter(tmp_path, "train-1", "h", 1001)


def test_rewriting_a_split_replaces_its_older_shards(tmp_path: Path, write_split: WriteSplit,
                                                    random_docs: RandomDocs) -> None:
    write_split(tmp_path, "train", random_docs(0, 100), shard_bytes=1024)
    infos = write_split(tmp_path, "train", random_docs(0, 10))
    assert [p.name for p in tmp_path.iterdir()] == ["train-00000-of-00001.arrow"] == [i.file for i in infos]


def test_one_shard_of_a_known_index_and_count_matches_the_rolling_writer(
        tmp_path: Path, write_split: WriteSplit, random_docs: RandomDocs) -> None:
    docs = random_docs(2, 20)
    rolled = write_split(tmp_path / "rolled", "train", docs)
    encoder = ShardEncoder("train", "h" * 64, 1001)
    single = write_shard(tmp_path / "single", encoder, 2, 3, ((f"doc{i:05d}", d) for i, d in enumerate(docs)))
    assert single.file == "train-00002-of-00003.arrow" and (single.index, single.count) == (2, 3)
    assert (tmp_path / "single" / single.file).read_bytes() == (tmp_path / "rolled" / rolled[0].file).read_bytes()
    assert (single.n_docs, single.n_tokens, single.sha256) == (rolled[0].n_docs, rolled[0].n_tokens, rolled[0].sha256)
    assert [p.name for p in (tmp_path / "single").iterdir()] == [single.file]  # nothing else, nothing temporary
    with pytest.raises(ValueError, match="shard index 3 is outside 0 to 2"):
        write_shard(tmp_path / "single", encoder, 3, 3, [])


def test_shards_of_no_document_are_listed_and_read(tmp_path: Path, random_docs: RandomDocs) -> None:
    encoder = ShardEncoder("val", "h" * 64, 1001)
    docs = random_docs(3, 5)
    infos = [write_shard(tmp_path, encoder, 0, 3, []),
             write_shard(tmp_path, encoder, 1, 3, ((f"d{i}", d) for i, d in enumerate(docs))),
             write_shard(tmp_path, encoder, 2, 3, [])]
    assert [(info.n_docs, info.n_tokens) for info in infos][::2] == [(0, 0), (0, 0)]
    write_manifest(tmp_path, infos)
    val = ShardSet.open(tmp_path, "val")
    assert val.doc_ids == [f"d{i}" for i in range(5)] and val.n_docs == 5
    assert np.array_equal(val.tokens, np.concatenate([np.append(d, EOT) for d in docs]))
    assert pa.ipc.open_stream(pa.memory_map(str(tmp_path / infos[0].file))).read_all().num_rows == 0
    write_manifest(tmp_path / "none", [write_shard(tmp_path / "none", encoder, 0, 1, [])])
    assert ShardSet.open(tmp_path / "none", "val").tokens.size == 0


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_flipped_byte_is_refused_naming_the_file(shard_dir: Path) -> None:
    path = shard_dir / "val-00000-of-00001.arrow"
    _flip_byte(path, path.stat().st_size - 20)  # inside the token values
    with pytest.raises(BadFileError, match=r"val-00000-of-00001\.arrow: checksum mismatch") as caught:
        ShardSet.open(shard_dir, "val")
    assert caught.value.path == str(path)
    assert ShardSet.open(shard_dir, "train").n_docs == 300  # the other split is untouched


def test_truncated_shard_is_refused_naming_the_file(shard_dir: Path) -> None:
    path = shard_dir / "val-00000-of-00001.arrow"
    path.write_bytes(path.read_bytes()[:-100])
    for verify in (True, False):
        with pytest.raises(BadFileError, match=r"val-00000-of-00001\.arrow: truncated"):
            ShardSet.open(shard_dir, "val", verify=verify)


def test_damage_that_keeps_the_size_is_caught_by_the_parser_too(shard_dir: Path) -> None:
    path = shard_dir / "val-00000-of-00001.arrow"
    _flip_byte(path, 2)  # inside the schema message's framing
    with pytest.raises(BadFileError, match=r"val-00000-of-00001\.arrow"):
        ShardSet.open(shard_dir, "val", verify=False)


def test_shards_of_another_tokenizer_are_refused(shard_dir: Path, tmp_path: Path, write_split: WriteSplit,
                                                 random_docs: RandomDocs) -> None:
    with pytest.raises(BadFileError, match=r"manifest\.json: shards written by tokenizer hhhhhhhhhhhh"):
        ShardSet.open(shard_dir, "train", tokenizer_hash="0" * 64)
    # a shard copied in from another tokenizer's run, under a manifest that claims otherwise
    other = write_split(tmp_path / "other", "val", random_docs(1, 30), tokenizer_hash="f" * 64)
    target = shard_dir / other[0].file
    target.write_bytes((tmp_path / "other" / other[0].file).read_bytes())
    manifest = json.loads((shard_dir / "manifest.json").read_text())
    manifest["splits"]["val"]["shards"][0].update(sha256=other[0].sha256, n_bytes=other[0].n_bytes)
    (shard_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BadFileError, match=r"val-00000-of-00001\.arrow: written by tokenizer ffffffffffff"):
        ShardSet.open(shard_dir, "val")


def test_missing_manifest_and_unknown_split(shard_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no split 'test'"):
        ShardSet.open(shard_dir, "test")
    with pytest.raises(BadFileError, match=r"manifest\.json: missing"):
        ShardSet.open(tmp_path / "empty", "train")
