"""GPT-2's byte-level BPE tokenizer: train, load, save, encode and decode.

Training uses Hugging Face `tokenizers` (BPE over the 256-byte alphabet, GPT-2 pre-tokenization,
configurable vocabulary size and minimum pair frequency) and lays the vocabulary out as GPT-2's
is: the 256 byte tokens first, then one token per merge in merge order, then `<|endoftext|>`
last, so the default 50,257 entries put it at id 50256 (Radford et al. 2019, §2.2).

`Tokenizer.encode` treats its text as plain text: a literal `<|endoftext|>` in a web page is
encoded as the characters it is, never as the document separator, which callers append
themselves (`eot_id`). Encoding runs on tiktoken when it is installed and proven to give the
same ids for the loaded vocabulary (`fast_engine`), on `tokenizers` otherwise; `.engine` says
which. Decoding is engine-independent: token bytes joined, then UTF-8 with replacement.

`save` and `load_tokenizer` also take a URL (`s3://...`, through `webtext.core.filesys`): the files
are written into a local temporary folder and copied up, or the `tokenizer.json` at the URL is
downloaded into one and read there, so a job's workers can share a tokenizer on an object store.

`.hash` identifies the tokenizer by what decides its ids: the SHA-256 of a canonical JSON of
the vocabulary (tokens in id order), the merges, the pre-tokenization pattern and the
end-of-text token. It does not change with file layout (`tokenizer.json` or `vocab.json` +
`merges.txt`), formatting, or the `tokenizers` library version.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
from tokenizers import AddedToken, decoders, models, pre_tokenizers, trainers
from tokenizers import Tokenizer as HfTokenizer
from webtext.core import filesys
from webtext.core.atomic import atomic_write
from webtext.core.errors import ConfigError
from webtext.tokenize.byte_level import EOT, GPT2_PATTERN, token_bytes
from webtext.tokenize.fast_engine import encode_parallel, proven_engine
from webtext.tokenize.vocab_files import BpeDefinition, checked, read_definition, write_vocab_merges

ENGINES = ("auto", "tiktoken", "tokenizers")
TOKENIZER_JSON = "tokenizer.json"


def _hf_tokenizer(definition: BpeDefinition) -> HfTokenizer:
    """The `tokenizers` pipeline for `definition`: byte-level BPE, GPT-2 pre-tokenization."""
    hf = HfTokenizer(models.BPE(vocab=definition.vocab, merges=definition.merges))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    hf.decoder = decoders.ByteLevel()
    hf.add_special_tokens([AddedToken(EOT, special=True)])
    return hf


def definition_hash(definition: BpeDefinition) -> str:
    """SHA-256 of the canonical JSON of `definition` (see the module docstring)."""
    canonical = {"type": "byte_level_bpe", "pattern": GPT2_PATTERN, "eot": EOT,
                 "vocab": sorted(definition.vocab, key=definition.vocab.__getitem__),
                 "merges": [list(pair) for pair in definition.merges]}
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Tokenizer:
    """A loaded byte-level BPE tokenizer (see the module docstring)."""

    def __init__(self, definition: BpeDefinition, engine: str = "auto") -> None:
        if engine not in ENGINES:
            raise ConfigError(f"unknown tokenizer engine {engine!r}; choose one of {', '.join(ENGINES)}")
        self.definition = definition
        self.hash = definition_hash(definition)
        self.eot_id = definition.eot_id
        self.vocab_size = len(definition.vocab)
        self._hf = _hf_tokenizer(definition)
        self._hf.encode_special_tokens = True  # "<|endoftext|>" in text is text
        by_id = sorted(definition.vocab, key=definition.vocab.__getitem__)
        self._bytes = [token_bytes(t) if t != EOT else EOT.encode() for t in by_id]
        self._fast: Any = None
        if engine != "tokenizers":
            self._fast = proven_engine(definition, self._hf, f"webtext-{self.hash[:12]}")
            if self._fast is None and engine == "tiktoken":
                raise ConfigError("engine 'tiktoken' requested, but tiktoken is not installed or does not "
                                  "reproduce this vocabulary's ids; use --engine tokenizers")
        self.engine = "tiktoken" if self._fast is not None else "tokenizers"

    def encode(self, text: str) -> list[int]:
        """The token ids of `text` (plain text: no special tokens, no end-of-text appended)."""
        if self._fast is not None:
            return list(self._fast.encode_ordinary(text))
        return list(self._hf.encode(text, add_special_tokens=False).ids)

    def encode_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        """`encode` of every text as a uint32 array, in parallel across the machine's cores."""
        texts = list(texts)
        if self._fast is not None:
            return encode_parallel(self._fast, texts)
        return [np.array(e.ids, dtype=np.uint32) for e in self._hf.encode_batch_fast(texts, add_special_tokens=False)]

    def decode(self, ids: Iterable[int]) -> str:
        """The text of `ids`; byte sequences that are not UTF-8 decode to U+FFFD."""
        table = self._bytes
        try:
            data = b"".join([table[i] for i in ids])
        except (IndexError, TypeError):
            raise ValueError(f"token ids must be integers in [0, {self.vocab_size})") from None
        return data.decode("utf-8", errors="replace")

    def token(self, index: int) -> str:
        """A readable form of token `index`: its text, with undecodable bytes escaped."""
        return self._bytes[index].decode("utf-8", errors="backslashreplace")

    def to_json(self) -> str:
        """The Hugging Face `tokenizer.json` text of this tokenizer."""
        return _hf_tokenizer(self.definition).to_str(pretty=True)

    @overload
    def save(self, directory: str) -> str: ...

    @overload
    def save(self, directory: os.PathLike[str]) -> Path: ...

    def save(self, directory: str | os.PathLike[str]) -> str | Path:
        """Write `tokenizer.json`, `vocab.json` and `merges.txt` into `directory`, a path or a URL;
        return the first (a `str` when `directory` is one)."""
        if filesys.is_remote(directory):
            with tempfile.TemporaryDirectory(prefix="webtext-tokenizer-") as local:
                for name in sorted(os.listdir(self.save(Path(local)).parent)):
                    filesys.copy(Path(local, name), filesys.join(directory, name))
            return filesys.join(directory, TOKENIZER_JSON)
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        with atomic_write(root / TOKENIZER_JSON, "w") as handle:
            handle.write(self.to_json())
        write_vocab_merges(root, self.definition)
        return root / TOKENIZER_JSON if isinstance(directory, os.PathLike) else os.path.join(directory, TOKENIZER_JSON)

    def __repr__(self) -> str:
        return f"Tokenizer(vocab_size={self.vocab_size}, engine={self.engine!r}, hash={self.hash[:12]!r})"


def train_tokenizer(texts: Iterable[str], vocab_size: int = 50257, min_frequency: int = 2,
                    engine: str = "auto", show_progress: bool = False) -> Tokenizer:
    """Train a byte-level BPE with GPT-2's layout on `texts` (see the module docstring).

    The result has at most `vocab_size` tokens: fewer when no pair reaches `min_frequency`.
    """
    if vocab_size < 257:
        raise ConfigError(f"vocab_size must be at least 257 (256 bytes + end-of-text), not {vocab_size}")
    if min_frequency < 1:
        raise ConfigError(f"min_frequency must be at least 1, not {min_frequency}")
    hf = HfTokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 1, min_frequency=min_frequency,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=[], show_progress=show_progress)
    hf.train_from_iterator(texts, trainer)
    model = json.loads(hf.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return Tokenizer(checked(model["vocab"], merges, "trained tokenizer"), engine)  # type: ignore[arg-type]


def _definition(path: str | os.PathLike[str]) -> BpeDefinition:
    """The definition at `path`, a local one or the `tokenizer.json` at a URL."""
    if not filesys.is_remote(path):
        return read_definition(path)
    parent, name = filesys.split(path)
    with tempfile.TemporaryDirectory(prefix="webtext-tokenizer-") as local:
        try:
            filesys.download(parent, [name], local)
        except FileNotFoundError:
            raise ConfigError(f"tokenizer not found: {os.fspath(path)} (at a URL, give the tokenizer.json file "
                              "itself)") from None
        return read_definition(Path(local, name))


def load_tokenizer(path: str | os.PathLike[str], engine: str = "auto") -> Tokenizer:
    """Load a tokenizer: a `tokenizer.json` (local or at a URL), or a directory with `tokenizer.json`,
    `vocab.json` + `merges.txt`, or `encoder.json` + `vocab.bpe`."""
    return Tokenizer(_definition(path), engine)


def tokenizer_hash(path: str | os.PathLike[str]) -> str:
    """The identity of the tokenizer at `path` (any layout `load_tokenizer` reads): its `.hash`.

    This is the one tokenizer identity of the project: shard manifests, checkpoints and
    `import-hf` all record it, so the same vocabulary and merges match whatever file holds them.
    """
    return definition_hash(_definition(path))
