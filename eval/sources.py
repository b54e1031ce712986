"""What each eval command read, with digests, so the report can say which corpus and models it describes.

Every eval command writes `NAME_provenance.json` beside its tables: the `webtext.core.provenance`
record (its command line, UTC time and inputs). An input is described with a digest a reader can
recompute:

- the shard directory: sha256 of its `manifest.json` (which itself records every shard's
  checksum, ARCHITECTURE §3) and the tokenizer hash the manifest records;
- a checkpoint: its folder, training step and the sha256 of its weights file, as its state.json
  records it (`webtext.train.checkpoint`), or computed from the file for a checkpoint that
  recorded none;
- an evaluation set or a saved n-gram filter: sha256 of the file.

`eval report` gathers the records into the record it opens with (`webtext.eval.report`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from webtext.core import filesys
from webtext.core.atomic import write_json
from webtext.core.provenance import file_sha256, provenance
from webtext.eval.models import label
from webtext.train.checkpoint import read_state
from webtext.train.checkpoint_state import WEIGHTS


def shards_input(directory: Path, tokenizer_hash: str) -> dict[str, str]:
    """The shard directory: its manifest's sha256 and the tokenizer hash."""
    manifest = filesys.join(str(directory), "manifest.json")
    return {"shards": f"{directory} (manifest.json {file_sha256(manifest)}; tokenizer {tokenizer_hash})"}


def checkpoint_inputs(folders: Iterable[Path]) -> dict[str, str]:
    """Each checkpoint: folder, step and the sha256 of its weights (recorded, or computed)."""
    inputs = {}
    for folder in folders:
        state = read_state(folder)
        checksums = state.get("checksums")
        recorded = checksums.get(WEIGHTS) if isinstance(checksums, dict) else None
        digest = f"sha256:{recorded}" if recorded else file_sha256(folder / WEIGHTS)
        inputs[f"checkpoint {label(folder)}"] = f"{folder} (step {state.get('step', 0)}; {WEIGHTS} {digest})"
    return inputs


def file_inputs(kind: str, files: Mapping[str, str | Path]) -> dict[str, str]:
    """Named files (evaluation sets, a filter) with the sha256 of each."""
    return {f"{kind} {name}": f"{path} ({file_sha256(path)})" for name, path in files.items()}


def record(out: Path, section: str, inputs: Mapping[str, str]) -> Path:
    """Write `section`'s provenance record (its command, time and `inputs`) into `out`."""
    path = out / f"{section}_provenance.json"
    write_json(path, provenance(inputs))
    return path
