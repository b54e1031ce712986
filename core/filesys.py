"""Files by local path or by URL (`s3://`, `gs://`, ...), through Apache Beam's `FileSystems`.

The main job writes its outputs, and the readers of a corpus fetch them, with these functions, so
an output on an object store is written by whichever worker makes it, not on the driver's disk.

- A local path (or `file://` URL) behaves as `webtext.core.atomic` makes it: a file is written
  under a hidden temporary name, with the mode `open()` would give it, and renamed into place when
  complete.
- On an object store a file is written into a local temporary file (or given whole, in memory)
  and uploaded as one object when it is closed without error. S3 and GCS make an object visible only once its upload
  completes (S3's PutObject and CompleteMultipartUpload, GCS's finalized uploads), so a reader sees
  the whole file or none, and a failed write uploads nothing. A filesystem without that guarantee
  (HDFS) shows a file growing while it is uploaded.
- Beam's S3 writer always makes a multipart upload, and completes an empty file with no part,
  which S3 refuses ("MalformedXML": a multipart upload needs at least one part, Amazon S3 API
  reference, CompleteMultipartUpload). An empty object is therefore put in one request, with the
  boto3 client Beam builds from the same options.
- The S3 and GCS clients take their settings from the pipeline options `FileSystems` was given:
  the job gives its own (`use_options`: `--s3_endpoint_url`, `--s3_access_key_id`, ...), and Beam's
  workers get them with the pipeline. Where none were given (a reader of a corpus), empty options
  are, with which boto3 reads its standard environment (`AWS_ENDPOINT_URL_S3` or
  `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, `AWS_REGION`)
  and files (`~/.aws/credentials`, `~/.aws/config`).

A URL whose client library is not installed (boto3 for `s3://`) is a `ConfigError` that names the
package extra to install. Beam is imported only for a URL (it takes seconds): local paths never
need it, and a URL is told by Beam's own rule, a scheme then "://".
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from webtext.core.atomic import atomic_write, json_text
from webtext.core.errors import ConfigError

if TYPE_CHECKING:
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions

PathLike = str | os.PathLike[str]
_SCHEME = re.compile(r"([a-zA-Z][-a-zA-Z0-9+.]*)://")  # apache_beam.io.filesystems.FileSystems.URI_SCHEMA_PATTERN
# scheme: (module its Beam filesystem needs, the package that has it, this package's extra that installs it)
_CLIENTS = {"s3": ("boto3", "boto3", "aws"), "gs": ("google.cloud.storage", "google-cloud-storage", "gcp")}
_CHUNK = 8 << 20


def scheme(path: PathLike) -> str | None:
    """The scheme of a URL (`s3` of `s3://b/x`); None for a local path."""
    match = _SCHEME.match(os.fspath(path).strip())
    return match.group(1) if match else None


def is_remote(path: PathLike) -> bool:
    """Whether `path` is a URL of a filesystem other than the local one (`s3://b/x`, not `x` or `file:///x`)."""
    return scheme(path) not in (None, "file")


def _local(path: PathLike) -> str:
    text = os.fspath(path)
    return text[len("file://"):] if text.startswith("file://") else text


def join(base: PathLike, *names: str) -> str:
    """`names` below `base`, as a path or URL of the same kind."""
    text = os.fspath(base)
    return _filesystems(text).join(text, *names) if is_remote(text) else os.path.join(text, *names)


def split(path: PathLike) -> tuple[str, str]:
    """(parent, name) of `path`; `ConfigError` for a URL without a name below its bucket."""
    text = os.fspath(path).rstrip("/")
    if not is_remote(text):
        parent, name = os.path.split(text)
        return parent or ".", name
    kind, _, rest = text.partition("://")
    bucket, _, key = rest.partition("/")
    if not key:
        raise ConfigError(f"{path} is a whole bucket: give a folder inside it, such as {kind}://{bucket}/corpus")
    parent, _, name = text.rpartition("/")
    return parent, name


def use_options(options: PipelineOptions) -> None:
    """Make the remote filesystems use `options` (`--s3_endpoint_url` ...), as a pipeline built with them does."""
    from apache_beam.io.filesystems import FileSystems

    FileSystems.set_options(options)


def _options() -> Any:
    """The pipeline options the remote filesystems use (empty ones when none were given)."""
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.options.value_provider import RuntimeValueProvider

    # a pipeline (and each of its workers) sets them; a reader outside any pipeline sets none
    if FileSystems._pipeline_options is None and RuntimeValueProvider.runtime_options is None:
        use_options(PipelineOptions([]))
    return FileSystems._pipeline_options or RuntimeValueProvider.runtime_options


def _filesystems(path: str) -> type[FileSystems]:
    """Beam's `FileSystems`, once the client of `path`'s filesystem is known to be installed and to have options."""
    from apache_beam.io.filesystems import FileSystems

    kind = scheme(path) or ""
    if kind in _CLIENTS:
        module, package, extra = _CLIENTS[kind]
        try:
            importlib.import_module(module)
        except ImportError:
            raise ConfigError(f"{path}: {kind}:// paths need the {package} package, which is not installed: "
                              f"pip install 'webtext[{extra}]'") from None
    _options()
    try:
        FileSystems.get_filesystem(path)
    except ValueError as error:
        raise ConfigError(f"{path}: {error}") from None
    return FileSystems


def _raw() -> Any:
    from apache_beam.io.filesystem import CompressionTypes

    return CompressionTypes.UNCOMPRESSED  # never by file name: a .gz is copied as it is


def exists(path: PathLike) -> bool:
    """Whether a file (or, locally, a directory) is at `path`."""
    text = os.fspath(path)
    return _filesystems(text).exists(text) if is_remote(text) else os.path.exists(_local(text))


def is_file(path: PathLike) -> bool:
    """Whether something other than a directory is at `path` (on an object store: an object of that name)."""
    text = os.fspath(path)
    if is_remote(text):
        return exists(text)
    return os.path.exists(_local(text)) and not os.path.isdir(_local(text))


def holds_nothing(directory: PathLike) -> bool:
    """Whether nothing is in `directory` (absent counts as empty)."""
    text = os.fspath(directory)
    if is_remote(text):
        return not _filesystems(text).match([join(text, "**")], limits=[1])[0].metadata_list
    local = Path(_local(text))
    return not local.is_dir() or not any(local.iterdir())


def listing(directory: PathLike) -> dict[str, int]:
    """Every file below `directory`, as its '/'-separated name relative to it, with its size in bytes."""
    text = os.fspath(directory)
    if is_remote(text):
        prefix = join(text, "")
        found = _filesystems(text).match([prefix + "**"])[0].metadata_list
        return {meta.path[len(prefix):]: meta.size_in_bytes for meta in found}
    root = Path(_local(text))
    return {path.relative_to(root).as_posix(): path.stat().st_size
            for path in sorted(root.rglob("*")) if path.is_file()}


@contextlib.contextmanager
def open_read(path: PathLike) -> Iterator[IO[bytes]]:
    """`path` opened for reading bytes; `FileNotFoundError` when it is absent."""
    text = os.fspath(path)
    if is_remote(text):
        with _filesystems(text).open(text, compression_type=_raw()) as handle:
            yield handle
    else:
        with open(_local(text), "rb") as handle:
            yield handle


def read_bytes(path: PathLike) -> bytes:
    """The whole content of `path`."""
    with open_read(path) as handle:
        return handle.read()


def read_json(path: PathLike) -> Any:
    """The JSON value in `path` (UTF-8)."""
    return json.loads(read_bytes(path).decode("utf-8"))


def _upload(path: str, source: IO[bytes]) -> None:
    """Write everything `source` holds as the object `path` (see the module docstring)."""
    filesystems = _filesystems(path)
    first = source.read(_CHUNK)
    if not first and scheme(path) == "s3":
        _put_empty_s3(path)
        return
    target = filesystems.create(path, compression_type=_raw())
    target.write(first)
    shutil.copyfileobj(source, target, _CHUNK)
    target.close()


def _put_empty_s3(path: str) -> None:
    from apache_beam.io.aws.clients.s3.boto3_client import Client
    from apache_beam.io.aws.s3io import parse_s3_path

    bucket, key = parse_s3_path(path)
    Client(_options()).client.put_object(Bucket=bucket, Key=key, Body=b"")


@contextlib.contextmanager
def open_write(path: PathLike, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open `path` for writing ("wb" bytes, "w" UTF-8 text); it appears whole when the block ends
    without error, and not at all otherwise (see the module docstring)."""
    text = os.fspath(path)
    if not is_remote(text):
        with atomic_write(_local(text), mode) as handle:
            yield handle
        return
    if mode not in ("w", "wb"):
        raise ValueError(f"open_write supports modes 'w' and 'wb', not {mode!r}")
    _filesystems(text)  # a missing client fails before the work of writing
    with tempfile.TemporaryFile() as spool:
        if mode == "w":
            wrapper = io.TextIOWrapper(spool, encoding="utf-8")
            yield wrapper
            wrapper.detach()  # flushes, and leaves the file open
        else:
            yield spool
        spool.seek(0)
        _upload(text, spool)


def write_bytes(path: PathLike, data: bytes | memoryview) -> None:
    """Write `data` as the file `path`, whole or not at all."""
    text = os.fspath(path)
    if is_remote(text):
        _upload(text, io.BytesIO(data))
    else:
        with atomic_write(_local(text)) as handle:
            handle.write(data)


def write_json(path: PathLike, data: Any) -> None:
    """Write `data` as pretty, key-sorted JSON (`webtext.core.atomic.json_text`), whole or not at all."""
    write_bytes(path, json_text(data).encode("utf-8"))


def copy(source: PathLike, target: PathLike) -> None:
    """Copy the file `source` to `target`, either of them local or remote, whole or not at all."""
    with open_read(source) as reading:
        if is_remote(target):
            _upload(os.fspath(target), reading)
        else:
            with atomic_write(_local(target)) as handle:
                shutil.copyfileobj(reading, handle, _CHUNK)


def rename(pairs: Iterable[tuple[str, str]]) -> None:
    """Move each file of the (source, target) `pairs`, all local or all remote, replacing a target that
    exists (on an object store: a copy, then the source deleted; locally, the target's folder is made)."""
    pairs = list(pairs)
    if pairs and is_remote(pairs[0][0]):
        _filesystems(pairs[0][0]).rename([source for source, _ in pairs], [target for _, target in pairs])
        return
    for source, target in pairs:
        Path(_local(target)).parent.mkdir(parents=True, exist_ok=True)
        os.replace(_local(source), _local(target))


def delete(paths: Iterable[str]) -> None:
    """Delete the files `paths`, all local or all remote."""
    paths = list(paths)
    if paths and is_remote(paths[0]):
        _filesystems(paths[0]).delete(paths)
        return
    for path in paths:
        os.unlink(_local(path))


def delete_tree(directory: PathLike) -> None:
    """Delete `directory` and everything below it (nothing when it is absent)."""
    if is_remote(directory):
        delete([join(directory, name) for name in listing(directory)])
    else:
        shutil.rmtree(_local(directory), ignore_errors=True)


def download(directory: PathLike, names: Iterable[str], local: PathLike) -> None:
    """Copy the files `names` of `directory` (a URL or a path) into the local folder `local`, each
    under its name there."""
    for name in names:
        copy(join(directory, name), Path(local, name))
