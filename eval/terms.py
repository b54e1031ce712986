"""The report's terms: one line per term it uses, and one per evaluation set by name.

The general terms restate the definitions the eval modules cite (8-gram overlap and its Bloom
filter: Radford et al. 2019, section 4; clean/dirty buckets: Brown et al. 2020, section 4;
extraction: Carlini et al. 2022, section 3); a term is listed only when a section that uses it
was run. An evaluation set is explained by the line given with `--about NAME=TEXT` to
`eval overlap` or `eval perplexity` (`describe_sets`, kept in the table notes); a set given
without one is listed as "given as NAME=PATH; no description".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from webtext.core.errors import ConfigError
from webtext.core.tables import Table
from webtext.dedup.evalsets import EvalSet
from webtext.eval.findings import OVERFIT_GAP, SIGNIFICANCE

SetNotes = dict[str, dict[str, str | None]]  # set name -> {"path": ..., "about": ... or None}

_TERMS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("8-gram overlap", "the share of an evaluation set's 8-grams (runs of 8 words, lower-cased, punctuation "
     "removed) also found in the training text; GPT-2 measured 3.2% on average for its test sets.",
     frozenset({"overlap"})),
    ("Bloom filter false-positive rate", "the chance that the filter holding the training text's 8-grams "
     "answers yes for an 8-gram it does not hold, so overlap is overcounted by at most that share.",
     frozenset({"overlap"})),
    ("perplexity", "exp of the model's mean next-token loss: how many equally likely tokens it is in effect "
     "choosing among; lower is better.", frozenset({"perplexity"})),
    ("train/val/test split", "the corpus's documents divided by a stable hash of each document's id: the model "
     "trains on train; val and test are never trained on.", frozenset({"perplexity", "memorization"})),
    ("held-out", "text the model never trained on: the val and test splits.",
     frozenset({"perplexity", "memorization"})),
    ("overfitting gap", f"how far held-out perplexity is above train perplexity, in percent; above {OVERFIT_GAP:g}% "
     "the model fits its training text better than unseen text.", frozenset({"perplexity"})),
    ("clean/dirty bucket", "evaluation documents grouped by the share of their 8-grams found in the training text: "
     "clean has none, dirty more than the last bucket edge (GPT-3's clean/dirty comparison).",
     frozenset({"perplexity_buckets"})),
    ("extractable (exact) extraction", "a sampled training sequence is extracted when, prompted with its first "
     "{prefix} tokens, greedy decoding reproduces its next {continuation} tokens exactly (Carlini et al. 2022: 50 "
     "and 50).",
     frozenset({"memorization"})),
    ("tokens reproduced", "the share of continuation tokens greedy decoding gets right at their position, counted "
     "even when the whole continuation is not reproduced.", frozenset({"memorization"})),
    ("p-value", "the chance of a training extraction rate at least this far above the held-out rate if the model "
     f"treated both alike (one-sided two-proportion z-test); below {SIGNIFICANCE:g} reads as memorization.",
     frozenset({"memorization"})),
)


def describe_sets(eval_sets: Sequence[EvalSet], about: Sequence[str]) -> SetNotes:
    """Each evaluation set's path and `--about` line; `ConfigError` for a malformed or stray one."""
    lines: dict[str, str] = {}
    for spec in about:
        name, sep, text = spec.partition("=")
        if not sep or not name or not text.strip():
            raise ConfigError(f"--about {spec!r}: expected NAME=ONE_LINE")
        lines[name] = " ".join(text.split())
    stray = sorted(set(lines) - {s.name for s in eval_sets})
    if stray:
        raise ConfigError(f"--about names {', '.join(stray)}, which no --eval set has; use the same NAME")
    return {s.name: {"path": s.path, "about": lines.get(s.name)} for s in eval_sets}


def glossary(tables: Mapping[str, Table]) -> list[tuple[str, str]]:
    """The terms of the sections in `tables` (name -> table), then each evaluation set by name, in
    the order the tables list them."""
    notes = tables["memorization"].notes if "memorization" in tables else {}
    lengths = {"prefix": notes.get("prefix", 50), "continuation": notes.get("continuation", 50)}
    terms = [(term, meaning.format(**lengths)) for term, meaning, used in _TERMS if used & set(tables)]
    sets: dict[str, dict[str, Any]] = {}
    for table in tables.values():
        for name, notes in table.notes.get("eval_sets", {}).items():
            if not sets.get(name, {}).get("about"):
                sets[name] = notes
    order = list(dict.fromkeys(r["eval_set"] for t in tables.values() for r in t.rows if "eval_set" in r))
    for name in sorted(sets, key=lambda n: order.index(n) if n in order else len(order)):
        about = sets[name].get("about")
        terms.append((f"evaluation set {name}", about.rstrip(".") + "." if about
                      else f"given as {name}={sets[name].get('path')}; no description."))
    return terms
