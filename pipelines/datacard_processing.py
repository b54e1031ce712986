"""The data card's Processing section: every rule that drops documents, with the settings that
govern it, their values in this run, and how many documents it dropped.

A rule is a drop reason (`webtext.core.reasons`, explained by `webtext.pipelines.report_terms`);
the settings that govern it are named here by their field in the job's settings sections
(`webtext.pipelines.settings.JOB_SECTIONS`), so each is shown as the flag that sets it with the
value this run used (read from the run's settings, as config.json holds them), and every setting
of the clean and dedup sections is listed with its help text. The quality rules that are fixed
in code rather than settings are listed with their values from `webtext.clean.quality`
(Gopher, Rae et al. 2021, Table A1, loosened where it dropped real articles).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from webtext.clean import quality
from webtext.core import reasons
from webtext.core.config import flag_name, settings_fields
from webtext.core.reasons import key
from webtext.core.render import Block, Bullets, Heading, Paragraph
from webtext.pipelines.accounting import INPUT
from webtext.pipelines.report_sections import drops_of, percent, plural
from webtext.pipelines.report_terms import reason_meaning, reason_meanings
from webtext.pipelines.settings import JOB_SECTIONS

_UNREADABLE = "read:unreadable"
# The rules of each stage, in the order they run, and the settings (fields) that govern each.
_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "read": {key("read", reasons.READ_TOO_LARGE): ("max_bytes",), key("read", reasons.READ_NOT_HTTP): (),
             key("read", reasons.READ_BAD_HTTP): (), _UNREADABLE: ()},
    "clean": {key("clean", reasons.CLEAN_TOO_LARGE): ("max_bytes",), key("clean", reasons.CLEAN_EMPTY): (),
              key("clean", reasons.CLEAN_NOT_HTML): (), key("clean", reasons.CLEAN_TIMEOUT): ("timeout_s",),
              key("clean", reasons.CLEAN_NO_MAIN_TEXT): ("favor_precision", "recall_fallback_chars",
                                                         "recall_fallback_ratio"),
              key("clean", reasons.CLEAN_WIKIPEDIA): ("drop_wikipedia",),
              key("clean", reasons.CLEAN_BOILERPLATE): ("line_cleanup", "quality", "max_boilerplate_fraction"),
              key("clean", reasons.CLEAN_TOO_SHORT): ("min_words", "short_prose_words"),
              key("clean", reasons.CLEAN_TOO_LONG): ("max_words",),
              key("clean", reasons.CLEAN_LANGUAGE): ("languages", "min_language_score"),
              key("clean", reasons.CLEAN_SYMBOL_RATIO): ("quality",),
              key("clean", reasons.CLEAN_REPETITION): ("quality",)},
    "dedup": {key("dedup", reasons.DEDUP_EXACT): (),
              key("dedup", reasons.DEDUP_NEAR): ("threshold", "shingle_size", "num_perm", "seed", "verify",
                                                 "max_bucket_representatives")},
}
_DECONTAMINATION = {"measure": ("overlap_ngram", "bloom_fp_rate"), "near": ("threshold", "num_perm"),
                    "ngram": ("contamination_ngram", "contamination_margin", "min_piece_chars", "max_pieces")}


def _leaves(value: Any) -> Iterator[tuple[str, Any]]:
    for name, item in value.items():
        if isinstance(item, dict):
            yield from _leaves(item)
        else:
            yield name, item


def setting_values(sections: Mapping[str, Any]) -> dict[str, Any]:
    """{field: value} of every leaf setting of the run's settings sections."""
    return {name: value for section in sections.values() for name, value in _leaves(section)}


def flag_text(name: str, value: Any) -> str:
    """A setting as the flag that sets it: `--min-words=50`, `--no-quality`, `--languages=en de`."""
    if isinstance(value, bool):
        return flag_name(name) if value else "--no-" + flag_name(name)[2:]
    if isinstance(value, list):
        return f"{flag_name(name)}={' '.join(str(v) for v in value)}"
    return f"{flag_name(name)}={'none' if value is None else format(value, 'g') if isinstance(value, float) else value}"


def _rule_line(reason: str, governed_by: tuple[str, ...], values: Mapping[str, Any], meanings: Mapping[str, str],
               dropped: Mapping[str, int], total: int) -> str:
    n = dropped.get(reason, 0)
    flags = f" ({', '.join(flag_text(name, values[name]) for name in governed_by)})" if governed_by else ""
    dropped_here = f"{plural(n, 'document')} ({percent(n, total)} of input)"
    return f"{reason}: {reason_meaning(reason, meanings)}{flags}: {dropped_here}"


def _decontamination_line(report: Mapping[str, Any], values: Mapping[str, Any], meanings: Mapping[str, str],
                          dropped: Mapping[str, int], total: int) -> str:
    mode = values["decontaminate"]
    reason = key("decontaminate", reasons.DEDUP_CONTAMINATED)
    if not report["decontamination"]:
        return f"{reason}: not run, no evaluation sets were given (--eval NAME=PATH)"
    line = _rule_line(reason, ("decontaminate", *_DECONTAMINATION[mode]), values, meanings, dropped, total)
    return line + ("; the measure mode drops nothing, it only counts the overlap" if mode == "measure" else "")


def _fixed_quality_rules() -> str:
    top = ", ".join(f"{n}-grams {limit:.0%}" for n, limit in quality.TOP_NGRAM_LIMITS)
    duplicated = ", ".join(f"{n}-grams {limit:.0%}" for n, limit in quality.DUPLICATE_NGRAM_LIMITS)
    return (f"Fixed quality rules (webtext.clean.quality, with --quality): duplicate lines at most "
            f"{quality.DUPLICATE_LINE_LIMIT:.0%} of the lines and {quality.DUPLICATE_LINE_CHARS_LIMIT:.0%} of the "
            f"characters; the most frequent word n-gram at most this share of the characters: {top}; characters in "
            f"duplicated {duplicated}; at most {quality.SYMBOLS_PER_WORD_LIMIT:g} hash signs or ellipses per word; "
            f"at least {quality.ALPHABETIC_WORDS_MIN:.0%} of words with a letter; at most "
            f"{quality.TEASER_LINES_LIMIT:.0%} of lines ending in an ellipsis (from {quality.MIN_TEASER_LINES} lines).")


def _every_setting(sections: Mapping[str, Any], values: Mapping[str, Any]) -> list[Block]:
    blocks: list[Block] = []
    for section in ("clean", "dedup", "split"):
        helps = tuple(f"{flag_text(f.name, values[f.name])}{' (off)' if values[f.name] is False else ''}: "
                      f"{f.metadata['help']}" for f, _ in settings_fields(JOB_SECTIONS[section]))
        blocks += [Paragraph(f"The {section} settings of this run:"), Bullets(helps)]
    return blocks


def processing(report: Mapping[str, Any], sections: Mapping[str, Any]) -> list[Block]:
    """The Processing section's blocks (under a heading the card adds)."""
    values, meanings = setting_values(sections), reason_meanings(sections)
    dropped, total = drops_of(report), report["accounting"][INPUT]
    http = tuple(reason for reason in sorted(dropped) if reason.startswith("read:http_"))
    blocks: list[Block] = [Paragraph(
        "Every WARC record ends as one kept document or one drop. The stages run in this order: read, clean "
        "(extraction, then the filters in the order below; the first that objects names the reason), exact dedup, "
        "near dedup, decontaminate. Each rule, the settings that govern it with this run's values, and what it "
        "dropped:")]
    for stage, rules in _RULES.items():
        lines = [_rule_line(reason, settings, values, meanings, dropped, total) for reason, settings in rules.items()]
        if stage == "read":
            lines += [_rule_line(reason, (), values, meanings, dropped, total) for reason in http]
        blocks += [Heading(f"Stage {stage}", 4), Bullets(tuple(lines))]
    blocks += [Heading("Stage decontaminate", 4),
               Bullets((_decontamination_line(report, values, meanings, dropped, total),))]
    listed = {reason for rules in _RULES.values() for reason in rules} | set(http) | {
        key("decontaminate", reasons.DEDUP_CONTAMINATED)}
    others = tuple(_rule_line(reason, (), values, meanings, dropped, total)
                   for reason in dropped if reason not in listed)
    if others:
        blocks += [Heading("Other reasons", 4), Bullets(others)]
    return blocks + [Paragraph(_fixed_quality_rules()), *_every_setting(sections, values)]
