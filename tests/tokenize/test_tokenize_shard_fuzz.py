"""Fuzzing the shard reader and `webtext shards inspect` with damaged shards and damaged manifests.

Whatever the damage, the reader either raises one `WebtextError` (a one-line message) or serves
exactly the documents the undamaged directory holds, and `shards inspect` exits 0 or prints one
`error:` line and exits 2: never another exception, never a hang. Damage the manifest's checks
must see (a deleted entry, an edited count, a wrong type, a path out of the directory) always
ends in the error.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from webtext.cli.main import main
from webtext.core.errors import WebtextError
from webtext.tokenize.shard_format import file_sha256
from webtext.tokenize.shard_summary import summarize
from webtext.tokenize.shards import ShardInfo, ShardSet, write_manifest

SPLITS = ("train", "val")
WRONG_VALUES: list[Any] = [None, "3", 3.5, True, [], {}, -1, 2**70, "../x"]
FUZZ = settings(max_examples=80, deadline=None, derandomize=True)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, write_split: Callable[..., list[ShardInfo]],
             random_docs: Callable[..., list[np.ndarray]]) -> Path:
    """A small shard directory: 40 documents in several train shards, 8 in one val shard."""
    directory = tmp_path_factory.mktemp("template")
    infos = write_split(directory, "train", random_docs(3, 40, longest=60), shard_bytes=1024)
    infos += write_split(directory, "val", random_docs(4, 8, longest=60))
    write_manifest(directory, infos, drops={"clean:too_short": 2}, split_rule={"val": "every fifth"})
    return directory


@contextlib.contextmanager
def _copy(template: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as temp:
        yield Path(shutil.copytree(template, Path(temp) / "corpus"))


def _manifest(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _inspect(directory: Path, *flags: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = main(["shards", "inspect", str(directory), *flags])
    return status, err.getvalue()


def _check_reader(directory: Path, truth: dict[str, Any]) -> int:
    """Open every split both ways; return how many opens were refused (each with a one-line error)."""
    refusals: list[str] = []
    for split in SPLITS:
        for verify in (True, False):
            try:
                shards = ShardSet.open(directory, split, verify=verify)
                summarize(shards, None, verify)
            except WebtextError as error:
                refusals.append(str(error))
                continue
            assert (shards.n_docs, shards.n_tokens) == (truth[split]["n_docs"], truth[split]["n_tokens"])
            assert len(shards.doc_ids) == shards.n_docs
    assert all("\n" not in message and str(directory) in message for message in refusals), refusals
    return len(refusals)


def _check_cli(directory: Path, must_fail: bool) -> None:
    for flags in ((), ("--no-verify",)):
        status, err = _inspect(directory, *flags)
        assert status in (0, 2)
        if status == 2:
            assert err.startswith("error: ") and err.count("\n") == 1, err
        elif not flags:
            assert not must_fail, "damage the checks must see was accepted"


@st.composite
def shard_damage(draw: st.DrawFn) -> tuple[str, str, list[tuple[int, int]], bool]:
    """("split:index", "truncate" or "flip", [(millionths of the size, xor mask)], update the manifest?)."""
    count = 3  # the template's train shards are at least this many; the val shard is one
    split = draw(st.sampled_from(SPLITS))
    index = draw(st.integers(0, count - 1)) if split == "train" else 0
    kind = draw(st.sampled_from(["truncate", "flip"]))
    spots = draw(st.lists(st.tuples(st.integers(0, 999_999), st.integers(1, 255)), min_size=1, max_size=3))
    return f"{split}:{index}", kind, spots, draw(st.booleans())


def test_the_template_has_enough_train_shards(template: Path) -> None:
    assert len(_manifest(template)["splits"]["train"]["shards"]) >= 3


@FUZZ
@given(damage=shard_damage())
def test_damaged_shards_never_escape_as_another_error(template: Path,
                                                     damage: tuple[str, str, list[tuple[int, int]], bool]) -> None:
    where, kind, spots, update_manifest = damage
    split, index = where.split(":")
    truth = _manifest(template)["splits"]
    with _copy(template) as directory:
        manifest = _manifest(directory)
        entry = manifest["splits"][split]["shards"][int(index)]
        path = directory / entry["file"]
        data = bytearray(path.read_bytes())
        if kind == "truncate":
            data = data[:spots[0][0] * len(data) // 1_000_000]
        else:
            flips = {spot * len(data) // 1_000_000: mask for spot, mask in spots}  # each byte changed once
            for offset, mask in flips.items():
                data[offset] ^= mask
        path.write_bytes(bytes(data))
        if update_manifest:  # the damage passes the size and checksum checks and reaches the parser
            entry.update(n_bytes=max(1, len(data)), sha256=file_sha256(path))
            (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        refused = _check_reader(directory, truth)
        if not update_manifest:  # size (both ways) or checksum (verify=True) refuses the damaged split
            assert refused >= (2 if kind == "truncate" else 1)
        _check_cli(directory, must_fail=not update_manifest)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path of the manifest, leaves and containers, except the caller's free-form records."""
    if prefix and prefix[0] in ("split_rule", "options"):
        return
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _paths(item, (*prefix, number))


def _parent(manifest: dict[str, Any], path: tuple[Any, ...]) -> Any:
    node: Any = manifest
    for key in path[:-1]:
        node = node[key]
    return node


def _drops_valid(manifest: dict[str, Any]) -> bool:
    drops = manifest.get("drops", {})
    return isinstance(drops, dict) and all(type(count) is int and count >= 0 for count in drops.values())


def _edit(manifest: dict[str, Any], data: st.DataObject) -> bool:
    """Apply one drawn edit to `manifest`; return whether the checks must refuse it.

    Every edit must be refused except those that leave `drops` (the recorded accounting, which
    no file can contradict) a valid mapping of reason to count.
    """
    path = data.draw(st.sampled_from(sorted(_paths(manifest), key=repr)), label="path")
    parent, key = _parent(manifest, path), path[-1]
    value = parent[key]
    action = data.draw(st.sampled_from(["delete", "replace", "shift", "escape"]), label="action")
    if action == "delete":
        del parent[key]
        entry = manifest["splits"].get(path[1]) if len(path) == 4 and path[2] == "shards" else None
        if entry is not None and data.draw(st.booleans(), label="keep totals"):
            entry["n_docs"] -= value["n_docs"]
            entry["n_tokens"] -= value["n_tokens"]
    elif action == "shift" and type(value) is int:
        parent[key] = value + data.draw(st.sampled_from([-3, -1, 1, 2, 1000]), label="shift")
    elif action == "escape" and key == "file":
        parent[key] = data.draw(st.sampled_from([f"../x/{value}", f"/tmp/{value}", f"sub/../{value}"]))
    else:
        choices = [v for v in WRONG_VALUES if type(v) is not type(value) or v != value]
        parent[key] = data.draw(st.sampled_from(choices), label="replacement")
    return path[0] != "drops" or not _drops_valid(manifest)


def _damage_manifest(manifest: dict[str, Any], text: str, data: st.DataObject) -> tuple[bytes, bool]:
    """The damaged manifest file and whether the checks must refuse it."""
    kind = data.draw(st.sampled_from(["edit", "edit", "edit", "truncate", "garbage", "rename"]), label="kind")
    if kind == "truncate":
        body = text.rstrip()
        return body[:data.draw(st.integers(0, len(body) - 1), label="offset")].encode(), True
    if kind == "garbage":
        return data.draw(st.binary(max_size=40), label="garbage"), True
    if kind == "rename":
        name = data.draw(st.sampled_from(["test", "../val", "val/x", ""]), label="split name")
        manifest["splits"][name] = manifest["splits"].pop("val")
        return json.dumps(manifest).encode(), True
    must_fail = _edit(manifest, data)
    return json.dumps(manifest).encode(), must_fail


@FUZZ
@given(data=st.data())
def test_damaged_manifests_never_escape_as_another_error(template: Path, data: st.DataObject) -> None:
    truth = _manifest(template)["splits"]
    with _copy(template) as directory:
        target = directory / "manifest.json"
        damaged, must_fail = _damage_manifest(_manifest(directory), target.read_text(encoding="utf-8"), data)
        target.write_bytes(damaged)
        refused = _check_reader(directory, truth)
        if must_fail:
            assert refused >= 1
        _check_cli(directory, must_fail)


def test_every_byte_of_a_shard_cut_or_flipped_behind_a_consistent_manifest(template: Path) -> None:
    """A sweep over every offset of the val shard: cut there, or that byte flipped (two masks).

    The manifest is updated to the damaged file's size and checksum each time, so every damage
    reaches the Arrow parser and the checks behind it.
    """
    truth = _manifest(template)["splits"]
    with _copy(template) as directory:
        manifest = _manifest(directory)
        entry = manifest["splits"]["val"]["shards"][0]
        path = directory / entry["file"]
        original = path.read_bytes()
        damaged: list[bytes] = []
        for offset in range(len(original)):
            damaged.append(original[:offset])
            for mask in (0x01, 0x80):
                flipped = bytearray(original)
                flipped[offset] ^= mask
                damaged.append(bytes(flipped))
        refused = 0
        for number, data in enumerate(damaged):
            path.write_bytes(data)
            entry.update(n_bytes=max(1, len(data)), sha256=file_sha256(path))
            (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
            try:
                shards = ShardSet.open(directory, "val")
                summarize(shards, None, True)
            except WebtextError as error:
                assert "\n" not in str(error) and str(directory) in str(error)  # noqa: PT017
                refused += 1
            else:
                assert (shards.n_docs, shards.n_tokens) == (truth["val"]["n_docs"], truth["val"]["n_tokens"])
            if number % 50 == 0:
                _check_cli(directory, must_fail=False)
        assert refused > len(original)  # every cut at least, and the flips that change the structure
