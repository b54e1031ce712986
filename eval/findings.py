"""Findings of the eval tables, and the report's opening reading built from them.

A `Finding` is one statement about a table (an evaluation set, a checkpoint, a checkpoint on a
set) with the size it is about and whether that size crosses the threshold of its kind. The
thresholds and their sources are in `webtext.eval.reading`, which makes the findings; this module
states them in one line (`thresholds_line`) and turns the findings into the report's summary
(`summarize`): every finding that crosses a threshold, largest first within its kind, several
of one kind gathered into one line; a section where nothing crosses says so and gives its
headline figure (its first finding).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from webtext.eval.overlap import GPT2_MEAN_OVERLAP

OVERFIT_GAP = 10.0  # percent
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Finding:
    """One statement about a table."""

    kind: str  # what is measured; the keys of `LEADS` can cross a threshold
    text: str  # the full sentence
    brief: str  # the subject and its figure alone, for a line gathering several findings of a kind
    magnitude: float  # how large, to order findings of a kind
    crosses: bool = False  # whether it crosses the threshold of its kind


# How a line gathering several crossing findings of one kind begins.
LEADS = {
    "overlap": f"Evaluation sets whose 8-gram overlap with the training text is above GPT-2's {GPT2_MEAN_OVERLAP}%",
    "overfitting": f"Held-out perplexity more than {OVERFIT_GAP:g}% above train (overfitting)",
    "easier": f"Held-out perplexity more than {OVERFIT_GAP:g}% below train (the held-out text is easier)",
    "dirty": f"Dirty documents' perplexity more than {OVERFIT_GAP:g}% below clean ones' (overlap helps the model)",
    "memorization": f"Memorization detected (training sequences extracted more often than held-out ones, "
                    f"p < {SIGNIFICANCE:g})",
}


def thresholds_line() -> str:
    """The thresholds every finding is read against, in one line."""
    return (f"Thresholds: 8-gram overlap above GPT-2's {GPT2_MEAN_OVERLAP}% average; held-out perplexity more than "
            f"{OVERFIT_GAP:g}% above (or below) train; training sequences extracted more often than held-out ones "
            f"at p < {SIGNIFICANCE:g}; a dirty bucket's perplexity more than {OVERFIT_GAP:g}% below the clean "
            "bucket's.")


def crossing(findings: Sequence[Finding]) -> list[Finding]:
    """The findings that cross their threshold."""
    return [f for f in findings if f.crosses]


def summarize(sections: Mapping[str, Sequence[Finding]]) -> list[str]:
    """The summary lines of `sections` (title -> its findings, headline first; see the docstring)."""
    lines = []
    for title, findings in sections.items():
        crossed = crossing(findings)
        if not crossed and findings:
            lines.append(f"{title}: nothing crosses its threshold. {findings[0].text}")
        for kind in dict.fromkeys(f.kind for f in crossed):
            group = sorted((f for f in crossed if f.kind == kind), key=lambda f: -f.magnitude)
            lines.append(group[0].text if len(group) == 1 else f"{LEADS[kind]}: {'; '.join(f.brief for f in group)}.")
    return lines


def crossing_phrase(count: int) -> str:
    """"3 findings cross a threshold", as the report and its command line say it."""
    if count == 0:
        return "no finding crosses a threshold"
    return f"{count} finding{'s cross' if count > 1 else ' crosses'} a threshold"


def count_line(sections: Mapping[str, Sequence[Finding]]) -> str:
    """The report's first sentence: how many findings cross a threshold."""
    count = sum(len(crossing(findings)) for findings in sections.values())
    if count == 0:
        return "No finding crosses a threshold; the headline figure of each section follows."
    return f"{crossing_phrase(count).capitalize()}:"
