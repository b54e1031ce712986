"""Training, saving and loading the byte-level BPE, in each of its file layouts."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from tokenizers import Tokenizer as HfTokenizer
from webtext.core.errors import BadFileError, ConfigError
from webtext.tokenize.bpe import Tokenizer, load_tokenizer, train_tokenizer
from webtext.tokenize.byte_level import EOT, byte_to_char

TEXT = "The quick brown fox's den isn't far: 42 km north of Zürich.\n\n  Done — 日本 😀"


def test_gpt2_layout_bytes_then_merges_then_end_of_text(tokenizer: Tokenizer) -> None:
    vocab = tokenizer.definition.vocab
    by_id = sorted(vocab, key=vocab.__getitem__)
    # the 256 byte tokens first, in GPT-2's order: "!" is 0, the space byte is "Ġ" (id 220 in GPT-2)
    assert sorted(by_id[:256]) == sorted(byte_to_char().values())
    assert by_id[0] == "!" and vocab["Ġ"] == 220 and vocab["Ċ"] == 198
    merges = tokenizer.definition.merges
    assert [vocab[a + b] for a, b in merges] == list(range(256, 256 + len(merges)))
    assert tokenizer.eot_id == tokenizer.vocab_size - 1 == 1999 and by_id[-1] == EOT
    assert tokenizer.encode(" the") == [vocab["Ġthe"]]


@pytest.mark.slow
def test_default_size_puts_end_of_text_at_50256(prose: list[str]) -> None:
    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(6, 12)))
             for _ in range(30_000)]
    texts = prose + [" ".join(words[i:i + 100]) for i in range(0, len(words), 100)]
    big = train_tokenizer(texts, min_frequency=1)
    assert big.vocab_size == 50257 and big.eot_id == 50256
    assert big.engine == "tiktoken"  # proven identical to tokenizers on the full 50k vocabulary
    assert big.decode(big.encode(TEXT)) == TEXT


def test_min_frequency_bounds_the_vocabulary(prose: list[str]) -> None:
    small = train_tokenizer(prose[:50], vocab_size=50257, min_frequency=5)
    assert 257 < small.vocab_size < 2000 and small.eot_id == small.vocab_size - 1
    with pytest.raises(ConfigError, match="at least 257"):
        train_tokenizer(prose, vocab_size=100)


def test_saved_files_and_every_layout_load_to_the_same_ids(tokenizer: Tokenizer, tokenizer_dir: Path,
                                                           tmp_path: Path) -> None:
    assert sorted(p.name for p in tokenizer_dir.iterdir()) == ["merges.txt", "tokenizer.json", "vocab.json"]
    merges = (tokenizer_dir / "merges.txt").read_text(encoding="utf-8").splitlines()
    assert merges[0].startswith("#version") and merges[1] == "Ġ t"
    assert json.loads((tokenizer_dir / "vocab.json").read_text(encoding="utf-8"))[EOT] == 1999
    expected = tokenizer.encode(TEXT)
    # GPT-2's transformers layout, then OpenAI's original names for the same content
    gpt2 = tmp_path / "gpt2"
    gpt2.mkdir()
    shutil.copy(tokenizer_dir / "vocab.json", gpt2 / "vocab.json")
    shutil.copy(tokenizer_dir / "merges.txt", gpt2 / "merges.txt")
    openai = tmp_path / "openai"
    openai.mkdir()
    shutil.copy(tokenizer_dir / "vocab.json", openai / "encoder.json")
    shutil.copy(tokenizer_dir / "merges.txt", openai / "vocab.bpe")
    for location in (tokenizer_dir, tokenizer_dir / "tokenizer.json", gpt2, openai):
        loaded = load_tokenizer(location)
        assert loaded.encode(TEXT) == expected
        assert loaded.hash == tokenizer.hash and loaded.eot_id == tokenizer.eot_id
    # the tokenizer.json is a plain Hugging Face file: the library alone gives the same ids
    assert HfTokenizer.from_file(str(tokenizer_dir / "tokenizer.json")).encode(TEXT).ids == expected


def test_hash_names_the_vocabulary(tokenizer: Tokenizer, prose: list[str]) -> None:
    other = train_tokenizer(prose, vocab_size=1999)
    assert other.hash != tokenizer.hash and len(tokenizer.hash) == 64


def test_end_of_text_literal_in_text_is_text(tokenizer: Tokenizer) -> None:
    ids = tokenizer.encode(f"before {EOT} after")
    assert tokenizer.eot_id not in ids
    assert tokenizer.decode([*ids, tokenizer.eot_id]) == f"before {EOT} after{EOT}"


def test_bad_tokenizer_files_fail_with_the_file_named(tokenizer_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(tokenizer_dir / "vocab.json", broken / "vocab.json")
    lines = (tokenizer_dir / "merges.txt").read_text(encoding="utf-8").splitlines()
    (broken / "merges.txt").write_text("\n".join([*lines[:5], "oops", *lines[5:]]), encoding="utf-8")
    with pytest.raises(BadFileError, match=r"merges\.txt at line 6"):
        load_tokenizer(broken)
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BadFileError, match=r"bad\.json"):
        load_tokenizer(tmp_path / "bad.json")
    wordpiece = {"model": {"type": "WordPiece", "vocab": {}}, "pre_tokenizer": None}
    (tmp_path / "wp.json").write_text(json.dumps(wordpiece), encoding="utf-8")
    with pytest.raises(ConfigError, match="not a GPT-2-style byte-level BPE"):
        load_tokenizer(tmp_path / "wp.json")
    with pytest.raises(ConfigError, match="tokenizer not found"):
        load_tokenizer(tmp_path / "missing")
