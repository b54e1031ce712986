"""`webtext.core.filesys`: the same file operations on a local folder and on an S3 server (moto's)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from webtext.core import filesys
from webtext.core.atomic import plain_mode
from webtext.core.errors import ConfigError

from tests.s3server import S3Server, s3_server


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        server.create_bucket("bucket")
        yield server


@pytest.fixture(params=["local", "s3"])
def root(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A folder to work in: under tmp_path, or a fresh prefix of the S3 server's bucket."""
    if request.param == "local":
        return str(tmp_path / "root")
    server: S3Server = request.getfixturevalue("s3")
    for name, value in server.environ.items():
        monkeypatch.setenv(name, value)
    return f"s3://bucket/{request.node.name.replace('[', '-').rstrip(']')}"


def test_files_written_are_read_back_and_listed_with_their_sizes(root: str) -> None:
    filesys.write_bytes(filesys.join(root, "a.bin"), b"\x00\x01")
    filesys.write_bytes(filesys.join(root, "empty"), b"")
    with filesys.open_write(filesys.join(root, "sub", "text.txt"), "w") as handle:
        handle.write("héllo\n")
    filesys.write_json(filesys.join(root, "data.json"), {"b": 1, "a": [1]})
    assert filesys.listing(root) == {"a.bin": 2, "empty": 0, "sub/text.txt": 7, "data.json": 33}
    assert filesys.read_bytes(filesys.join(root, "sub", "text.txt")) == "héllo\n".encode()
    assert filesys.read_json(filesys.join(root, "data.json")) == {"a": [1], "b": 1}
    assert filesys.read_bytes(filesys.join(root, "data.json")).startswith(b'{\n  "a": [\n')
    assert filesys.is_file(filesys.join(root, "a.bin")) and not filesys.is_file(root)
    assert not filesys.holds_nothing(root) and filesys.holds_nothing(filesys.join(root, "none"))
    assert not filesys.exists(filesys.join(root, "none"))
    with pytest.raises(FileNotFoundError):
        filesys.read_bytes(filesys.join(root, "none"))


def fail_writing(path: str, mode: str) -> None:
    with filesys.open_write(path, mode) as handle:
        handle.write(b"half" if mode == "wb" else "half")
        raise RuntimeError("failed mid-write")


def test_a_write_that_fails_leaves_no_file(root: str) -> None:
    filesys.write_bytes(filesys.join(root, "kept"), b"old")
    for mode in ("wb", "w"):
        with pytest.raises(RuntimeError):
            fail_writing(filesys.join(root, "kept"), mode)
    assert filesys.listing(root) == {"kept": 3}
    assert filesys.read_bytes(filesys.join(root, "kept")) == b"old"


def test_rename_delete_and_download(root: str, tmp_path: Path) -> None:
    for name in ("a", "b", "deep/c"):
        filesys.write_bytes(filesys.join(root, "from", name), name.encode())
    filesys.rename([(filesys.join(root, "from", "a"), filesys.join(root, "to", "a"))])
    filesys.delete([filesys.join(root, "from", "b")])
    assert filesys.listing(root) == {"from/deep/c": 6, "to/a": 1}
    filesys.download(root, ["to/a", "from/deep/c"], tmp_path / "copy")
    assert filesys.listing(tmp_path / "copy") == {"from/deep/c": 6, "to/a": 1}
    assert (tmp_path / "copy" / "from" / "deep" / "c").read_bytes() == b"deep/c"
    filesys.delete_tree(filesys.join(root, "from"))
    assert filesys.listing(root) == {"to/a": 1}


def test_local_files_keep_the_mode_open_gives_them(tmp_path: Path) -> None:
    target = tmp_path / "new" / "file.json"
    filesys.write_json(target, {})
    assert stat.S_IMODE(os.stat(target).st_mode) == plain_mode()
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_urls_and_paths_are_told_apart_and_joined_in_kind() -> None:
    assert filesys.is_remote("s3://bucket/x") and filesys.is_remote("gs://bucket/x")
    assert not filesys.is_remote("out/corpus") and not filesys.is_remote("file:///tmp/x")
    assert filesys.join("s3://bucket/out", "documents", "a.parquet") == "s3://bucket/out/documents/a.parquet"
    assert filesys.join("out", "a") == os.path.join("out", "a")
    assert filesys.split("s3://bucket/out/corpus/") == ("s3://bucket/out", "corpus")
    with pytest.raises(ConfigError, match="whole bucket"):
        filesys.split("s3://bucket")


def test_an_s3_url_without_boto3_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` raises ImportError
    with pytest.raises(ConfigError, match=r"boto3 .*pip install 'webtext\[aws\]'"):
        filesys.exists("s3://bucket/out")
