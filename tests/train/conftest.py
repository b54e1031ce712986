"""Fixtures of the train tests: token shards built from real English text.

The text is Python's own documentation topics (`pydoc_data.topics`, about 460 kB of prose and
code, shipped with every Python), tokenized with a byte-level BPE trained on it, written with
the tokenize stage's `ShardWriter`: one document per topic, every tenth topic in the val split.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from pydoc_data.topics import topics

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from webtext.tokenize.bpe import tokenizer_hash
from webtext.tokenize.shards import ShardWriter, write_manifest

EOT = "<|endoftext|>"


def build_text_shards(directory: Path, vocab_size: int = 512) -> Path:
    """Shards (train, val) of the pydoc topics in `directory`, with their tokenizer.json."""
    texts = [topics[name] for name in sorted(topics)]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 1, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.add_special_tokens([EOT])
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer_file = directory / "tokenizer.json"
    tokenizer.save(str(tokenizer_file))
    digest = tokenizer_hash(tokenizer_file)  # the tokenizer's identity, as the tokenize stage records it
    size, eot = tokenizer.get_vocab_size(), tokenizer.token_to_id(EOT)
    infos = []
    for split, keep in (("train", lambda i: i % 10 != 0), ("val", lambda i: i % 10 == 0)):
        with ShardWriter(directory, split, digest, size, eot_id=eot) as writer:
            for index, text in enumerate(texts):
                if keep(index):
                    writer.write(f"topic-{index}", tokenizer.encode(text).ids)
        infos.extend(writer.close())
    write_manifest(directory, infos, tokenizer_file=tokenizer_file)
    return directory


@pytest.fixture(scope="session")
def text_shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shard directory of real text (see the module docstring), shared by the session."""
    return build_text_shards(tmp_path_factory.mktemp("shards"))



class Webtext:
    """Runs the `webtext` command in subprocesses: one thread each (two test workers share two
    cores), plain progress output."""

    env = {**os.environ, "OMP_NUM_THREADS": "1", "WEBTEXT_PROGRESS": "plain"}

    @staticmethod
    def command(*args: str | Path) -> list[str]:
        return [sys.executable, "-m", "webtext.cli.main", *map(str, args)]

    def run(self, *args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run `webtext args...` to completion, capturing its output."""
        return subprocess.run(self.command(*args), env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def start(self, *args: str | Path) -> subprocess.Popen[str]:
        """Start `webtext args...` in the background."""
        return subprocess.Popen(self.command(*args), env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    @staticmethod
    def losses(run_dir: Path) -> dict[int, float]:
        """Step -> training loss from a run directory's metrics.jsonl."""
        with (run_dir / "metrics.jsonl").open() as handle:
            return {row["step"]: row["loss"] for row in map(json.loads, handle)}


@pytest.fixture
def webtext() -> Webtext:
    """The `webtext` command, run in subprocesses."""
    return Webtext()
