"""The text of a shard split, decoded back from its token ids, one shard at a time.

Shards hold token ids (ARCHITECTURE §3); the overlap measurement needs the training *text*. The
tokenizer is the one the manifest names (`tokenizer.file`, relative to the shard directory),
checked against the manifest's tokenizer hash so ids are never decoded with another vocabulary.
Byte-level BPE decodes losslessly (Radford et al. 2019, §2.2), so the decoded text is the text
that was tokenized. Documents are decoded one by one from the memory-mapped shards: memory holds
one document's text, never the split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from webtext.core.errors import ConfigError
from webtext.core.progress import progress
from webtext.tokenize.bpe import Tokenizer, load_tokenizer
from webtext.tokenize.shards import ShardSet


def shard_tokenizer(shards: ShardSet) -> Tokenizer:
    """The tokenizer the manifest of `shards` names, checked against the manifest's hash."""
    name = shards.manifest.get("tokenizer", {}).get("file")
    manifest = shards.directory / "manifest.json"
    if not name:
        raise ConfigError(f"{manifest} names no tokenizer file; the shards cannot be decoded to text")
    path = Path(name) if Path(name).is_absolute() else shards.directory / name
    if not path.is_file():
        raise ConfigError(f"{manifest} names tokenizer {name}, which is not there ({path})")
    tokenizer = load_tokenizer(path)
    file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    if shards.tokenizer_hash not in (tokenizer.hash, file_hash):
        raise ConfigError(f"{path} is not the tokenizer the shards were written with (hash {tokenizer.hash[:12]}, "
                          f"{manifest} records {shards.tokenizer_hash[:12]}); restore the original file")
    return tokenizer


def document_texts(shards: ShardSet, tokenizer: Tokenizer, show_progress: bool = True) -> Iterator[str]:
    """The text of every document of `shards`, in order, without its end-of-text token."""
    eot = shards.eot_id
    documents = progress(range(shards.n_docs), total=shards.n_docs, desc=f"decode {shards.split}",
                         unit="doc", disable=not show_progress)
    for index in documents:
        tokens = shards.document(index)
        if tokens.size and tokens[-1] == eot:
            tokens = tokens[:-1]
        yield tokenizer.decode(tokens.tolist())
