"""A manifest that disagrees with its shard directory is refused by the reader and by `shards inspect`.

Each damage is made by hand to a real shard directory (the `shard_dir` fixture: several train
shards and one val shard); the reader raises one `BadFileError` naming the manifest or the shard,
and `webtext shards inspect` prints exactly one `error:` line about it and exits 2.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from webtext.cli.main import main
from webtext.core.errors import BadFileError, WebtextError
from webtext.tokenize.bpe import Tokenizer
from webtext.tokenize.shard_format import file_sha256
from webtext.tokenize.shards import ShardInfo, ShardSet, ShardWriter, write_manifest

Manifest = dict[str, Any]


def _edit(directory: Path, change: Callable[[Manifest], None]) -> None:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _refused(directory: Path, split: str, pattern: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The reader (checksums on and off) and `shards inspect` both refuse `directory` with `pattern`."""
    for verify in (True, False):
        with pytest.raises(BadFileError, match=pattern):
            ShardSet.open(directory, split, verify=verify)
    capsys.readouterr()
    assert main(["shards", "inspect", str(directory)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and re.search(pattern, err), err


def _drop_entry(manifest: Manifest, split: str, number: int) -> None:
    """Delete shard entry `number` of `split`, keeping the split's totals consistent with the rest."""
    entry = manifest["splits"][split]
    removed = entry["shards"].pop(number)
    entry["n_docs"] -= removed["n_docs"]
    entry["n_tokens"] -= removed["n_tokens"]


def _train_count(directory: Path) -> int:
    return len(json.loads((directory / "manifest.json").read_text())["splits"]["train"]["shards"])


@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_a_deleted_shard_entry_is_refused(shard_dir: Path, which: str, capsys: pytest.CaptureFixture[str]) -> None:
    count = _train_count(shard_dir)
    number = {"first": 0, "middle": count // 2, "last": count - 1}[which]
    _edit(shard_dir, lambda m: _drop_entry(m, "train", number))
    _refused(shard_dir, "train", rf"manifest\.json at splits\.train: lists {count - 1} shards, "
                                 rf"but their file names say -of-{count:05d}", capsys)


def test_a_deleted_entry_with_its_file_is_refused(shard_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    count = _train_count(shard_dir)
    _edit(shard_dir, lambda m: _drop_entry(m, "train", count - 1))
    (shard_dir / f"train-{count - 1:05d}-of-{count:05d}.arrow").unlink()
    _refused(shard_dir, "train", rf"lists {count - 1} shards, but their file names say -of-{count:05d}", capsys)


def test_shard_entries_out_of_order_are_refused(shard_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(shard_dir, lambda m: m["splits"]["train"]["shards"].reverse())
    _refused(shard_dir, "train", r"splits\.train\.shards\[0\]: file 'train-\d{5}-of-\d{5}\.arrow', "
                                 r"expected 'train-00000-of-\d{5}\.arrow'", capsys)


def test_a_shard_file_the_manifest_does_not_list_is_refused(shard_dir: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(shard_dir / "val-00000-of-00001.arrow", shard_dir / "test-00000-of-00001.arrow")
    _refused(shard_dir, "train", r"manifest\.json: test-00000-of-00001\.arrow is in the directory but not listed",
             capsys)


def test_a_whole_split_deleted_from_the_manifest_is_refused(shard_dir: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    _edit(shard_dir, lambda m: m["splits"].pop("val"))
    _refused(shard_dir, "train", r"val-00000-of-00001\.arrow is in the directory but not listed", capsys)


@pytest.mark.parametrize(("key", "delta"), [("n_docs", 1), ("n_docs", -1), ("n_tokens", 5), ("n_tokens", -1)])
def test_edited_split_totals_are_refused(shard_dir: Path, key: str, delta: int,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    real = json.loads((shard_dir / "manifest.json").read_text())["splits"]["val"][key]
    _edit(shard_dir, lambda m: m["splits"]["val"].update({key: real + delta}))
    _refused(shard_dir, "val", rf"splits\.val: {key} is {real + delta}, but its shards hold {real}", capsys)


def test_an_edited_shard_count_is_refused_naming_the_shard(shard_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    def change(manifest: Manifest) -> None:  # shard and split both edited, so the totals agree
        manifest["splits"]["val"]["shards"][0]["n_docs"] += 1
        manifest["splits"]["val"]["n_docs"] += 1

    _edit(shard_dir, change)
    _refused(shard_dir, "val", r"val-00000-of-00001\.arrow: holds 30 documents", capsys)


@pytest.mark.parametrize(("vocab_size", "pattern"), [
    (1002, r"-of-\d{5}\.arrow: written for a vocabulary of 1001, but the manifest records 1002"),
    (70_000, r"manifest\.json at tokenizer: dtype 'uint16' does not match a vocabulary of 70000"),
    (1000, r"manifest\.json at tokenizer: eot_id 1000 is outside the vocabulary of 1000"),
])
def test_an_edited_vocab_size_is_refused(shard_dir: Path, vocab_size: int, pattern: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _edit(shard_dir, lambda m: m["tokenizer"].update(vocab_size=vocab_size))
    _refused(shard_dir, "val", pattern, capsys)


def test_ids_outside_the_vocabulary_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ShardWriter(tmp_path, "val", "h" * 64, 301) as writer:
        writer.write("doc00000", [5, 7])
    write_manifest(tmp_path, writer.close())
    shard = tmp_path / "val-00000-of-00001.arrow"
    ids = np.array([5, 7, 300], dtype=np.uint16).tobytes()
    assert shard.read_bytes().count(ids) == 1
    shard.write_bytes(shard.read_bytes().replace(ids, np.array([900, 7, 300], dtype=np.uint16).tobytes()))
    _edit(tmp_path, lambda m: m["splits"]["val"]["shards"][0].update(sha256=file_sha256(shard)))
    pattern = r"val-00000-of-00001\.arrow at record batch 0: token id 900 outside the vocabulary of 301"
    with pytest.raises(BadFileError, match=pattern):
        ShardSet.open(tmp_path, "val")
    # without checksums, inspect still reads every id for its histogram, and refuses the same way
    assert main(["shards", "inspect", str(tmp_path), "--no-verify"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(pattern, err), err


def test_the_tokenizer_file_disagreeing_with_the_manifest_is_refused(tokenizer: Tokenizer, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with ShardWriter(tmp_path, "val", tokenizer.hash, tokenizer.vocab_size, eot_id=tokenizer.eot_id) as writer:
        writer.write("doc00000", tokenizer.encode("Hello, world."))
    write_manifest(tmp_path, writer.close(), tokenizer_file=tokenizer.save(tmp_path))
    assert main(["shards", "inspect", str(tmp_path)]) == 0
    _edit(tmp_path, lambda m: m["tokenizer"].update(vocab_size=tokenizer.vocab_size + 1))
    capsys.readouterr()
    assert main(["shards", "inspect", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: {tmp_path / 'manifest.json'} at tokenizer: vocab_size is {tokenizer.vocab_size + 1}, "
                   f"but the tokenizer file {tmp_path / 'tokenizer.json'} has {tokenizer.vocab_size} tokens\n")


@pytest.mark.parametrize("where", ["parent", "absolute", "deeper"])
def test_shard_paths_leaving_the_directory_are_refused(shard_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                                                       where: str, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path_factory.mktemp("outside")
    shutil.copy(shard_dir / "val-00000-of-00001.arrow", outside / "val-00000-of-00001.arrow")
    name = {"parent": f"../{outside.name}/val-00000-of-00001.arrow",
            "absolute": str(outside / "val-00000-of-00001.arrow"),
            "deeper": f"sub/../../{outside.name}/val-00000-of-00001.arrow"}[where]
    (shard_dir / "val-00000-of-00001.arrow").unlink()
    _edit(shard_dir, lambda m: m["splits"]["val"]["shards"][0].update(file=name))
    _refused(shard_dir, "val", rf"splits\.val\.shards\[0\]: file {re.escape(repr(name))} leaves the shard directory",
             capsys)


def test_a_shard_symlink_leading_out_of_the_directory_is_refused(shard_dir: Path,
                                                                 tmp_path_factory: pytest.TempPathFactory,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path_factory.mktemp("outside") / "elsewhere.arrow"
    shard = shard_dir / "val-00000-of-00001.arrow"
    shutil.move(shard, outside)
    os.symlink(outside, shard)
    _refused(shard_dir, "val", rf"val-00000-of-00001\.arrow: a link to {re.escape(str(outside))}, outside the "
                               r"shard directory", capsys)


def test_a_symlink_inside_the_directory_is_followed(shard_dir: Path) -> None:
    shard = shard_dir / "val-00000-of-00001.arrow"
    shutil.move(shard, shard_dir / "kept.bin")
    os.symlink("kept.bin", shard)
    assert ShardSet.open(shard_dir, "val").n_docs == 30


@pytest.mark.parametrize("name", ["../tokenizer.json", "/etc/passwd"])
def test_a_tokenizer_path_leaving_the_directory_is_refused(shard_dir: Path, name: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _edit(shard_dir, lambda m: m["tokenizer"].update(file=name))
    _refused(shard_dir, "val", rf"manifest\.json at tokenizer: file {re.escape(repr(name))} leaves the shard "
                               "directory", capsys)


def test_the_writer_refuses_to_record_a_tokenizer_outside_the_directory(shard_dir: Path, tmp_path: Path) -> None:
    infos = [ShardInfo(split="val", index=0, count=1, file="val-00000-of-00001.arrow", n_docs=1, n_tokens=1,
                       n_bytes=1, sha256="0" * 64, dtype="uint16", tokenizer_hash="h", vocab_size=1001, eot_id=1000)]
    with pytest.raises(ValueError, match="outside the shard directory"):
        write_manifest(tmp_path / "corpus", infos, tokenizer_file=tmp_path / "tokenizer.json")
    assert not (tmp_path / "corpus" / "manifest.json").exists()


@pytest.mark.parametrize(("text", "pattern"), [
    ("{", r"manifest\.json: unreadable manifest"),
    ("[" * 100_000, r"manifest\.json: unreadable manifest"),
    ('{"format": "webtext-shards/1", "splits": {}}', r"manifest\.json: entry lacks tokenizer"),
    ('{"format": "webtext-shards/1", "tokenizer": {}, "splits": []}',
     r"manifest\.json at splits: must be an object, not \[\]"),
    ('{"format": "webtext-shards/1", "tokenizer": {}, "splits": {}, "drops": {"x": "3"}}',
     r"manifest\.json at drops\.x: must be a whole number of at least 0, not '3'"),
])
def test_malformed_manifests_give_one_line(shard_dir: Path, text: str, pattern: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (shard_dir / "manifest.json").write_text(text, encoding="utf-8")
    with pytest.raises(WebtextError, match=pattern):
        ShardSet.open(shard_dir, "val")
    assert main(["shards", "inspect", str(shard_dir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.match(rf"error: .*{pattern}", err), err


def test_the_undamaged_directory_is_accepted(shard_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ShardSet.open(shard_dir, "train").n_docs == 300
    assert main(["shards", "inspect", str(shard_dir)]) == 0
    assert "split val: 1 shards, 30 documents" in capsys.readouterr().out
