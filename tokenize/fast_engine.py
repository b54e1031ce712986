"""The fast encoding engine: tiktoken running the same byte-level BPE, used only when proven equal.

tiktoken applies BPE by token rank (a pair merges when its concatenation is a token; the lowest
rank merges first), Hugging Face `tokenizers` by the ordered merge list. The two give the same
ids when the id of each merge's result increases with the merge's position, which holds for
GPT-2's vocabulary (ids 256 + i for merge i) and for vocabularies `train_tokenizer` builds; that
is what tiktoken's `gpt2` encoding relies on. Rare merge lists still differ (a pair whose
concatenation is a token but not that pair's merge), so `proven_engine` also encodes a sample
with both engines (every vocabulary token, plus text exercising each pre-tokenization class) and
returns the tiktoken encoding only when every id agrees.

On this machine tiktoken encodes about 10 MB/s per thread; it releases the GIL, so
`encode_batch` splits a batch across one thread per core.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from webtext.tokenize.byte_level import EOT, GPT2_PATTERN, token_bytes
from webtext.tokenize.vocab_files import BpeDefinition

try:
    import tiktoken
except ImportError:  # tiktoken is optional: the tokenizers engine is always there
    tiktoken = None  # type: ignore[assignment]

# Text for the agreement check: each pre-tokenization class, contractions, runs of whitespace,
# digits, punctuation, several scripts, emoji and combining marks, and the end-of-text string.
AGREEMENT_SAMPLE: tuple[str, ...] = (
    "The quick brown fox's friends didn't say they'll leave; we've I'm you'd THEY'RE.",
    "  leading spaces,\ttabs\t\tand\n\nnew lines   \n  trailing   ",
    "Numbers 3.14159, 2,718 and 1e-9; phone +1 (555) 010-9999; 100% #hashtag @user",
    "Code: def f(x): return x**2  # comment\n    if a != b and c >= d: print('ok')",
    "Français, Español, Deutsch: Größe, naïve café, coöperate; Ελληνικά, Русский текст",
    "中文文本和日本語のテキスト、한국어 텍스트; العربية; עברית; हिन्दी; ไทย",
    "Emoji 😀👍🏽👨‍👩‍👧 and combining e\u0301 a\u0308, zero\u200bwidth, \u00a0nbsp",
    "Literal <|endoftext|> inside text stays text. <|endoftext|><|endoftext|>",
    "URLs https://example.com/a?b=c&d=e#f and e-mail someone@example.org",
    "\x00\x01 control\x7f bytes \ufeff BOM \r\n CRLF",
)


def build_encoding(definition: BpeDefinition, name: str) -> Any:
    """A tiktoken encoding for `definition`, or None when merge order and ids disagree."""
    if tiktoken is None:
        return None
    vocab = definition.vocab
    merged = [vocab[left + right] for left, right in definition.merges]
    if any(later <= earlier for earlier, later in itertools.pairwise(merged)):
        return None
    ranks = {token_bytes(token): index for token, index in vocab.items() if token != EOT}
    if len(ranks) != len(vocab) - 1:
        return None  # two token strings spell the same bytes
    return tiktoken.Encoding(name, pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                             special_tokens={EOT: definition.eot_id})


def agreement_sample(definition: BpeDefinition) -> list[str]:
    """The texts of the agreement check: `AGREEMENT_SAMPLE` and every token, 64 to a text."""
    spelled = [token_bytes(t).decode("utf-8", "replace")
               for t, _ in sorted(definition.vocab.items(), key=lambda item: item[1]) if t != EOT]
    return [*AGREEMENT_SAMPLE, *(" ".join(spelled[i:i + 64]) for i in range(0, len(spelled), 64)),
            *("".join(spelled[i:i + 64]) for i in range(0, len(spelled), 64))]


def proven_engine(definition: BpeDefinition, reference: Any, name: str) -> Any:
    """The tiktoken encoding when it matches `reference` (a `tokenizers.Tokenizer`) on the sample.

    Returns None, with a warning when tiktoken is installed, if it cannot be used.
    """
    if tiktoken is None:
        return None
    encoding = build_encoding(definition, name)
    if encoding is not None:
        sample = agreement_sample(definition)
        expected = [e.ids for e in reference.encode_batch_fast(sample, add_special_tokens=False)]
        if [encode_plain(encoding, text).tolist() for text in sample] == expected:
            return encoding
    warnings.warn(f"tokenizer {name}: tiktoken does not reproduce the tokenizers ids for this vocabulary; "
                  "encoding with tokenizers (slower)", RuntimeWarning, stacklevel=3)
    return None


_POOLS: dict[int, ThreadPoolExecutor] = {}  # by process id: a forked worker makes its own


def encode_plain(encoding: Any, text: str) -> np.ndarray:
    """The ids of `text` as plain text (special-token strings too), as a uint32 array.

    The same ids as `encode_ordinary`, without building a Python int per token.
    """
    return encoding.encode_to_numpy(text, disallowed_special=())


def encode_parallel(encoding: Any, texts: Sequence[str]) -> list[np.ndarray]:
    """`encode_plain` of every text, split across one thread per core."""
    workers = os.cpu_count() or 1
    if workers == 1 or len(texts) < 2:
        return [encode_plain(encoding, text) for text in texts]
    pool = _POOLS.get(os.getpid())
    if pool is None:
        pool = _POOLS[os.getpid()] = ThreadPoolExecutor(workers, thread_name_prefix="tiktoken")
    size = -(-len(texts) // workers)
    parts = pool.map(lambda part: [encode_plain(encoding, t) for t in part],
                      [texts[i:i + size] for i in range(0, len(texts), size)])
    return [ids for part in parts for ids in part]
