"""Article prose for the sample web, taken from text every Python installation carries.

Paragraphs come from the documentation topics in `pydoc_data.topics` and from the docstrings of
standard-library modules, classes and functions, read with `ast` (nothing is imported or
executed). Only paragraphs that read as prose are kept: at least 20 words, mostly letters, no
code prompts or indented blocks. The pool is sorted and de-duplicated so that it is the same
for a given Python installation, whatever the file system order.
"""

from __future__ import annotations

import ast
import functools
import pydoc_data.topics
import re
import sysconfig
from pathlib import Path

_MIN_WORDS = 20
_CODE_HINTS = re.compile(r">>>|\.\.\. |::|\{|\}|==|\(\)|\[\]|^\s*[-*+] |[=_]{3,}|\\n")


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs of `text`, each joined into one line."""
    result = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.splitlines()
        if not lines or any(line.startswith((" " * 4, "\t")) for line in lines[1:]):
            continue  # indented continuation: a code sample or a table
        result.append(" ".join(line.strip() for line in lines))
    return result


def _is_prose(paragraph: str) -> bool:
    words = paragraph.split()
    if len(words) < _MIN_WORDS or _CODE_HINTS.search(paragraph):
        return False
    letters = sum(ch.isalpha() or ch.isspace() for ch in paragraph)
    return letters / len(paragraph) > 0.9 and paragraph[0].isupper() and paragraph[-1] in ".:"


def _docstrings() -> list[str]:
    """Docstrings of standard-library modules, classes and functions (parsed, never imported)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    texts = []
    for path in sorted(stdlib.glob("*.py")) + sorted(stdlib.glob("*/__init__.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc:
                    texts.append(doc)
    return texts


@functools.lru_cache(maxsize=1)
def prose_pool() -> tuple[str, ...]:
    """All prose paragraphs available to the generator, sorted and unique."""
    sources = [pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics)]
    sources += _docstrings()
    paragraphs = {p.rstrip(":") + ("" if p.endswith(".") else ".")
                  for text in sources for p in _paragraphs(text) if _is_prose(p)}
    return tuple(sorted(paragraphs))
