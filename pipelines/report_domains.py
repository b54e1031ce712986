"""The corpus report's sections on what the corpus holds: its domains, how its domain mix compares
with WebText's, and how long its documents are.

- Domains: the `TOP_SHOWN` registered domains with the most kept documents, then one line that
  accounts for the rest ("N more domains hold X% of the documents"), since every domain is in
  `domains.csv` beside the shards: nothing is cut silently.
- WebText fidelity: the comparison `webtext.pipelines.fidelity` computes against WebText's 1,000
  most frequent domains (OpenAI's GPT-2 release, 2019): the share of documents from them, the
  Spearman rank correlation over the labels both lists hold, and the labels whose shares differ
  most.
- Lengths: the histograms' figure and a small table of the median (the power-of-two bucket that
  holds it, from the `lengths` buckets) and the mean (exact: the last stage's words over its
  documents; the splits' tokens, less one end-of-text token a document, over their documents).

A figure the job could not draw (`webtext.pipelines.figures`: file None) is replaced by the one
sentence saying why, never by an empty plot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from webtext.core.render import Block, Image, Paragraph
from webtext.pipelines.fidelity import MIN_COMMON
from webtext.pipelines.figures import Figure
from webtext.pipelines.profile import DOMAINS_CSV
from webtext.pipelines.report_sections import count, percent, plural, table

TOP_SHOWN = 25


def figure_blocks(figure: Figure) -> list[Block]:
    """The figure, or the sentence saying why there is none."""
    return [Image(figure.file, figure.caption)] if figure.file else [Paragraph(figure.caption)]


def rest_of_domains(domains: Mapping[str, Any]) -> str:
    """The line that accounts for the domains beyond the first `TOP_SHOWN`."""
    shown = domains["top"][:TOP_SHOWN]
    rest = domains["distinct"] - len(shown)
    if rest <= 0:
        return f"These are all {count(domains['distinct'])} domains; {DOMAINS_CSV} lists them too."
    held = domains["documents"] - sum(d["documents"] for d in shown)
    verb = "holds" if rest == 1 else "hold"
    return (f"{plural(rest, 'more domain')} {verb} {percent(held, domains['documents'])} of the documents; "
            f"all {count(domains['distinct'])} domains are in {DOMAINS_CSV}.")


def domains(report: Mapping[str, Any]) -> list[Block]:
    found = report["domains"]
    rows = [[d["domain"], count(d["documents"]), percent(d["documents"], found["documents"])]
            for d in found["top"][:TOP_SHOWN]]
    return [table("domains", f"The {len(rows)} registered domains with the most kept documents",
                  ["domain", "documents", "share"], rows),
            Paragraph(rest_of_domains(found))]


def _spearman(webtext: Mapping[str, Any]) -> str:
    if webtext["common"] < MIN_COMMON:
        return (f"No Spearman rank correlation: it needs at least {MIN_COMMON} labels in both lists, and "
                f"{count(webtext['common'])} are.")
    if webtext["spearman"] is None:
        return "No Spearman rank correlation: the document counts of one list are all equal, so it has no ranking."
    return (f"Spearman rank correlation of the document counts over the {count(webtext['common'])} labels in both "
            f"lists: {webtext['spearman']:.2f}.")


def fidelity(report: Mapping[str, Any], figures: Mapping[str, Figure]) -> list[Block]:
    webtext = report["webtext"]
    share = percent(webtext["in_reference"], webtext["documents"])
    blocks: list[Block] = [
        Paragraph(f"Reference: {webtext['reference']}. {count(webtext['in_reference'])} of the "
                  f"{count(webtext['documents'])} kept documents ({share}) come from a domain whose label is one of "
                  f"its {count(webtext['reference_labels'])}; the corpus has "
                  f"{count(webtext['corpus_labels'])} labels, {count(webtext['common'])} of them in the reference."),
        Paragraph(_spearman(webtext))]
    rows = [[d["label"], percent(d["corpus_share"], 1), percent(d["webtext_share"], 1)] for d in webtext["largest"]]
    if rows:  # none when no kept document is from a reference domain, as the figure's caption then says
        blocks.append(table("webtext", "The labels whose shares differ most (shares within the reference labels)",
                            ["label", "corpus", "WebText"], rows))
    return blocks + figure_blocks(figures["domains"])


def median_bucket(buckets: Sequence[Sequence[int]]) -> str:
    """The [low, high) bucket that holds the median document, as "low–high-1" ("—" with no documents)."""
    total = sum(b[2] for b in buckets)
    seen = 0
    for low, high, documents in buckets:
        seen += documents
        if documents and 2 * seen >= total:
            return count(low) if high - 1 <= low else f"{count(low)}–{count(high - 1)}"
    return "—"


def lengths(report: Mapping[str, Any], figures: Mapping[str, Figure]) -> list[Block]:
    last = report["stages"][-1]
    documents = sum(s["documents"] for s in report["splits"].values())
    tokens = sum(s["tokens"] for s in report["splits"].values()) - documents  # without end-of-text
    buckets = report["lengths"]
    rows = [["median (its bucket)", median_bucket(buckets["words"]), median_bucket(buckets["tokens"])],
            ["mean", f"{last['words'] / last['documents']:,.0f}" if last["documents"] else "—",
             f"{tokens / documents:,.0f}" if documents else "—"]]
    return [*figure_blocks(figures["lengths"]),
            table("lengths", "Words and tokens per kept document", ["", "words", "tokens"], rows)]
