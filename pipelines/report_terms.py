"""The corpus report's glossary: every term it uses, and every drop reason it shows, in one line each.

A drop reason is an accounting key `stage:reason` (`webtext.core.reasons`); its meaning here is
what the code that names it does: the read stage (`webtext.crawl.warc.read`), extraction and the
document filters (`webtext.clean.extract`, `webtext.clean.filters`), dedup (`webtext.dedup.keep`,
`webtext.dedup.beam`) and decontamination (`webtext.dedup.decontaminate`). Figures in a meaning
(`--min-words`, the Jaccard threshold, ...) are the values this run used, read from its settings,
so the glossary never disagrees with the run it describes. The sources of the rules: WebText
(Radford et al. 2019, §2 and §4), Gopher's quality rules (Rae et al. 2021, Table A1), C4's line
rules (Raffel et al. 2020, §2.2), GPT-3's decontamination (Brown et al. 2020, appendix C).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from webtext.core import reasons
from webtext.core.reasons import key
from webtext.core.render import Terms

_HTTP = "read:http_"

# Meanings of the reasons whose wording needs no setting.
_FIXED = {
    key("read", reasons.READ_NOT_HTTP): "the record's target is not an http(s) URL (dns:, ftp:, ...)",
    key("read", reasons.READ_BAD_HTTP): "the record holds no HTTP response that can be parsed or decoded",
    "read:unreadable": "a damaged record or file, listed in dead-letters.jsonl",
    key("clean", reasons.CLEAN_NOT_HTML): "the page is not HTML (by its Content-Type or its bytes)",
    key("clean", reasons.CLEAN_EMPTY): "the page's body is empty",
    key("clean", reasons.CLEAN_NO_MAIN_TEXT): "the extractor found no main text on the page",
    key("clean", reasons.CLEAN_WIKIPEDIA): "a Wikipedia page or a mirror of one (WebText removed Wikipedia)",
    key("clean", reasons.CLEAN_REPETITION): "repeated lines or n-grams beyond Gopher's limits (spam, templates)",
    key("clean", reasons.CLEAN_SYMBOL_RATIO): "symbols rather than words: too many # or ellipses, too few "
                                              "words with a letter (Gopher)",
    key("dedup", reasons.DEDUP_EXACT): "the same text as a kept document once normalized (NFKC, case, "
                                       "whitespace); the copy with the highest Reddit score is kept",
}


def reason_meanings(sections: Mapping[str, Any]) -> dict[str, str]:
    """The meaning of every drop reason a run can report, with the values of its settings (`sections`:
    the run's settings as config.json holds them)."""
    extract, filters, dedup = sections["clean"]["extract"], sections["clean"]["filters"], sections["dedup"]
    languages = " ".join(filters["languages"]) or "any language"
    return {
        **_FIXED,
        key("read", reasons.READ_TOO_LARGE): f"the record's body is larger than {extract['max_bytes']:,} bytes",
        key("clean", reasons.CLEAN_TOO_LARGE): f"the page's body is larger than {extract['max_bytes']:,} bytes",
        key("clean", reasons.CLEAN_TIMEOUT): f"extracting the page took longer than {extract['timeout_s']:g} s",
        key("clean", reasons.CLEAN_TOO_SHORT): f"fewer than {filters['min_words']:,} words, and not short prose "
                                               f"(at least {filters['short_prose_words']:,} words in two sentences)",
        key("clean", reasons.CLEAN_TOO_LONG): f"more than {filters['max_words']:,} words",
        key("clean", reasons.CLEAN_LANGUAGE): f"not detected as {languages} with a probability of at least "
                                              f"{filters['min_language_score']:g}",
        key("clean", reasons.CLEAN_BOILERPLATE): f"more than {filters['max_boilerplate_fraction']:.0%} of the lines "
                                                 "are boilerplate notices, placeholder text or a list of teasers",
        key("dedup", reasons.DEDUP_NEAR): f"a near duplicate of a kept document: MinHash Jaccard similarity of at "
                                          f"least {dedup['threshold']:g} over {dedup['shingle_size']}-word shingles",
        key("decontaminate", reasons.DEDUP_CONTAMINATED): f"overlaps an evaluation set by the rule of the "
                                                          f"{dedup['decontaminate']} mode",
    }


def reason_meaning(reason: str, meanings: Mapping[str, str]) -> str:
    """The meaning of one accounting key; an HTTP status of the read stage is read from the key itself."""
    if reason.startswith(_HTTP):
        return f"the server answered HTTP {reason[len(_HTTP):]}, not 200 (a redirect or an error)"
    return meanings.get(reason, "a reason this report does not describe (see webtext.core.reasons)")


def glossary(sections: Mapping[str, Any], shown_reasons: Iterable[str]) -> Terms:
    """The report's Terms block: the words it uses, then each drop reason in `shown_reasons`."""
    dedup = sections["dedup"]
    n = dedup["overlap_ngram"]
    terms = [
        ("WARC record", "one HTTP response of the input WARC files (ISO 28500), as the crawler fetched it"),
        ("page", "a WARC record with HTTP status 200, its body read; the read stage's output"),
        ("document", "the main text extracted from a page, with its URL, domain, title and Reddit posts"),
        ("words", "whitespace-separated pieces of a document's text"),
        ("read", "the stage that reads the WARC records and keeps the HTTP 200 pages"),
        ("clean", "extraction of the main text (trafilatura), language identification (fastText) and the "
                  "document filters: every page ends kept or with one drop reason"),
        ("exact_dedup", "removal of documents whose normalized text equals a kept document's"),
        ("near_dedup", f"removal of near duplicates: MinHash LSH with {dedup['num_perm']} permutations, "
                       f"Jaccard similarity of at least {dedup['threshold']:g}"),
        ("decontaminate", "overlap with the evaluation sets (--eval): measured (measure) or removed (near, ngram); "
                          "without evaluation sets every document passes"),
        (f"{n}-gram overlap", f"the share of an evaluation set's {n}-word sequences, normalized as GPT-2 did, that "
                              "occur in the kept documents (a Bloom filter, false-positive rate "
                              f"{dedup['bloom_fp_rate']:g})"),
        ("split", "train, val or test, chosen by a hash of the document id, so it never changes between runs"),
        ("token", "one entry of the tokenizer's vocabulary (byte-level BPE); each document ends with end-of-text"),
        ("shard", "an Arrow file of one split's documents as token ids, listed with its SHA-256 in manifest.json"),
        ("registered domain", "the part of a host its owner registered: the public suffix and one label "
                              "(www.bbc.co.uk: bbc.co.uk)"),
        ("WebText reference", "the 1,000 most frequent domains of GPT-2's WebText as OpenAI published them, "
                              "named by label (bbc.co.uk: bbc)"),
        ("Spearman rank correlation", "how alike two rankings are, from -1 (reversed) to 1 (the same order)"),
    ]
    meanings = reason_meanings(sections)
    terms += [(reason, reason_meaning(reason, meanings)) for reason in shown_reasons]
    return Terms(tuple(terms))
