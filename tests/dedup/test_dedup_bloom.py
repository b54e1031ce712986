"""The n-gram Bloom filter: no false negatives, the false-positive rate it was sized for, merge,
save/load, and the same answers in another process (stable hashing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from webtext.core.errors import BadFileError
from webtext.dedup.bloom import NgramBloom
from webtext.dedup.ngrams import ngrams


def _text(start: int, words: int) -> str:
    return " ".join(f"word{i}" for i in range(start, start + words))


def test_added_text_is_fully_found_and_unrelated_text_is_not() -> None:
    bloom = NgramBloom.create(expected=10_000)
    assert bloom.add_text(_text(0, 1007)) == 1000
    assert bloom.overlap(_text(0, 1007)) == (1000, 1000)
    assert bloom.overlap(_text(5000, 107)) == (0, 100)
    assert bloom.overlap(_text(1000, 14)) == (0, 7)  # starts where the added text ends
    assert bloom.contains_ngram("word3 word4 word5 word6 word7 word8 word9 word10")
    assert "word3 word4 word5 word6 word7 word8 word9 word11" not in bloom


def test_false_positive_rate_stays_near_the_target() -> None:
    bloom = NgramBloom.create(expected=20_000, fp_rate=1e-3)
    bloom.add_ngrams(f"present {i}" for i in range(20_000))
    false_hits = sum(bloom.contains_ngram(f"absent {i}") for i in range(200_000))
    assert false_hits / 200_000 < 2e-3
    strict = NgramBloom.create(expected=20_000)  # GPT-2's 1e-8
    strict.add_ngrams(f"present {i}" for i in range(20_000))
    assert not any(strict.contains_ngram(f"absent {i}") for i in range(200_000))


def test_merged_parts_equal_one_filter_built_whole() -> None:
    texts = [_text(i * 50, 60) for i in range(40)]
    whole, left, right = (NgramBloom.create(expected=5_000) for _ in range(3))
    for text in texts:
        whole.add_text(text)
    for text in texts[:20]:
        left.add_text(text)
    for text in texts[20:]:
        right.add_text(text)
    assert left.merge(right) == whole
    assert all(whole.overlap(t)[0] == whole.overlap(t)[1] for t in texts)


def test_merge_refuses_filters_of_different_shapes() -> None:
    with pytest.raises(ValueError, match="different shapes"):
        NgramBloom.create(expected=1_000).merge(NgramBloom.create(expected=100_000))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    bloom = NgramBloom.create(expected=1_000, fp_rate=1e-6, n=5)
    bloom.add_text(_text(0, 200))
    path = tmp_path / "filter.bloom"
    bloom.save(path)
    loaded = NgramBloom.load(path)
    assert loaded == bloom
    assert (loaded.n, loaded.expected, loaded.fp_rate) == (5, 1_000, 1e-6)
    assert loaded.overlap(_text(0, 200)) == (196, 196)


def test_damaged_files_fail_with_the_file_named(tmp_path: Path) -> None:
    bloom = NgramBloom.create(expected=1_000)
    bloom.add_text(_text(0, 50))
    data = bloom.to_bytes()
    cases = {"truncated.bloom": data[:-10], "garbage.bloom": b"not a filter", "empty.bloom": b""}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(BadFileError, match=name):
            NgramBloom.load(tmp_path / name)
    with pytest.raises(BadFileError, match="missing.bloom"):
        NgramBloom.load(tmp_path / "missing.bloom")


def test_filter_answers_the_same_in_another_process(tmp_path: Path) -> None:
    bloom = NgramBloom.create(expected=1_000)
    bloom.add_text(_text(0, 100))
    path = tmp_path / "filter.bloom"
    bloom.save(path)
    script = (
        "import sys\n"
        "from webtext.dedup.bloom import NgramBloom\n"
        "b = NgramBloom.load(sys.argv[1])\n"
        "print(b.overlap(' '.join(f'word{i}' for i in range(50, 150))))\n"
        "fresh = NgramBloom.create(expected=1_000)\n"
        "fresh.add_text(' '.join(f'word{i}' for i in range(100)))\n"
        "print(fresh == b)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-c", script, str(path)], env=env, check=True,
                            capture_output=True, text=True)
    assert result.stdout.split("\n")[:2] == ["(43, 93)", "True"]
    assert len(list(ngrams(_text(50, 100)))) == 93
