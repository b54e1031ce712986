"""GPT-2's byte-level alphabet and pre-tokenization pattern.

Byte-level BPE works on UTF-8 bytes, so any string can be encoded without an unknown token
(Radford et al. 2019, "Language Models are Unsupervised Multitask Learners", §2.2). Token
strings in GPT-2's `vocab.json` spell bytes with printable characters: the 188 printable
Latin-1 bytes stand for themselves and the other 68 (controls, space, soft hyphen) map to
U+0100 onwards, so the space byte is `Ġ` (U+0120) and newline is `Ċ`. Merges never cross the
character categories the pre-tokenization pattern separates (letters, digits, other symbols,
whitespace, English contractions). Both facts are those of OpenAI's released `encoder.py`.
"""

from __future__ import annotations

import functools
from typing import Final

EOT: Final = "<|endoftext|>"

# GPT-2's pre-tokenization pattern (as tiktoken writes it for the same splits).
GPT2_PATTERN: Final = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


@functools.cache
def byte_to_char() -> dict[int, str]:
    """The printable character that stands for each byte in GPT-2 token strings."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    shifted = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + shifted)
            shifted += 1
    return table


@functools.cache
def char_to_byte() -> dict[str, int]:
    """The inverse of `byte_to_char`."""
    return {char: b for b, char in byte_to_char().items()}


def token_bytes(token: str) -> bytes:
    """The bytes a GPT-2 token string spells; `KeyError` for a character outside the alphabet."""
    table = char_to_byte()
    return bytes(table[char] for char in token)
