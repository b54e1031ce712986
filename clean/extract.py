"""Main-text extraction: one fetched `Page` becomes one `Document`, kept or with a drop reason.

GPT-2's WebText (Radford et al. 2019, §2.2) extracted text with Dragnet and Newspaper; we use
trafilatura (Barbaresi 2021, ACL demo), which scores higher on the public article-extraction
benchmark of Scrapinghub/Zyte (published F1 0.958 for trafilatura, 0.912 newspaper3k, 0.907
Dragnet, on 181 pages).

Options, chosen on measurement (`webtext.clean.scoring`, 92 pages of that benchmark with human
ground truth, word 4-gram F1; `bench/clean.py` prints it):

| trafilatura options | precision | recall | F1 |
| --- | --- | --- | --- |
| defaults (comments included) | 0.928 | 0.976 | 0.951 |
| `include_comments=False` | 0.934 | 0.976 | 0.955 |
| `include_comments=False, favor_recall=True` | 0.929 | 0.977 | 0.952 |
| `include_comments=False, include_tables=False` | 0.935 | 0.965 | 0.950 |
| `include_comments=False, fast=True` (no fallback extractors) | 0.934 | 0.978 | 0.956 |
| **`include_comments=False, favor_precision=True`** (ours) | **0.951** | **0.978** | **0.964** |

Precision wins here without costing recall: the pages readers comment on are exactly the ones whose
comment threads, teasers and "related" boxes leak into recall-oriented output, and a language model
trained on WebText should see articles, not comment sections (which are also repetitive across
pages and so hurt dedup). Tables stay: dropping them costs 1.1 points of recall.

Precision mode sometimes keeps the wrong block: a date line ("May 19, 2020", 12 characters, of a
600-word post on security.googleblog.com), a "browser outdated" notice (homify.de, 746 words
missed), the first paragraph, or nothing (onlinemarketing.de, rhein-neckar-loewen.de). So when its
text has fewer than `recall_fallback_chars` (500) characters, the page is extracted again in recall
mode, whose text is taken when it has at least that many characters and at least
`recall_fallback_ratio` (3) times precision mode's; `meta["extraction"]` says which ("precision" or
"fallback"; "balanced" with `favor_precision` off). That second extraction skips trafilatura's
second-opinion extractors (readability, jusText: `fast=True`), which change no text taken below and
cost a third of its time. Characters, not words, since CJK text has no spaces. Chosen on the 975
real pages of `../shared/data` (the 92 above and the 883 of trafilatura's snippet set), precision
against recall and default (balanced) mode: the second extraction runs on 32 pages (none of the
92), recall's text is taken on 6, and the snippet set's "with" snippets found go from 2455 to 2468
of 2661, "without" leaked from 186 to 187 of 2641 (on rhein-neckar-loewen.de, which had no text
before), pages without text from 2 to 0; F1 on the 92 stays 0.964. A ratio of 2 takes 5 more pages
and leaks 5 more snippets for one fewer found; balanced mode as the fallback finds 6 fewer (it
keeps 10 words of onlinemarketing.de). The page is parsed once (`parse_html`), from its own bytes
where they are its text in UTF-8 (`utf8_body`) rather than from the text encoded again; the metadata is
read from the tree first, then extraction prunes that tree itself rather than a copy of it, as
`bare_extraction` would make (0.45 ms a page); the rare recall extraction parses the page again.
Title, date and text are the same as before on all 975 pages.

Title and date come from trafilatura's metadata functions and htmldate (`webtext.clean.metadata`).
The language the page declares (`<html lang>`, `content-language`, `og:locale`) is kept as
`meta["declared_language"]`; `Document.language` is left to the stage, which detects the language
of the text (`webtext.clean.language`).

Before extraction the page is screened, cheapest test first: a body over `max_bytes` is `too_large`, an
empty one `empty`, a non-HTML `Content-Type` or a body with binary bytes (WHATWG MIME
Sniffing §7.2, "binary data byte") is `not_html`. Extraction runs under a hard time limit
(`webtext.clean.deadline`) and becomes `timeout` past it; no text, or only boilerplate notices
after line cleanup, is `no_main_text` / `boilerplate`. No page makes `extract_page` raise.
Wikipedia's attribution is looked for in the HTML here (`meta["wikipedia"]`), because the
taglines that mark a mirror are boilerplate that extraction removes.
"""

from __future__ import annotations

import codecs
import inspect
import logging
import re
from typing import NamedTuple

import trafilatura
from lxml.etree import XPath
from lxml.html import HtmlElement, fromstring
from trafilatura.settings import Extractor
from trafilatura.utils import HTML_PARSER, load_html
from trafilatura.xml import xmltotxt
from webtext.clean.deadline import DeadlineExceeded, call_with_deadline
from webtext.clean.encoding import decode_body
from webtext.clean.lines import clean_text
from webtext.clean.metadata import title_and_date
from webtext.clean.settings import ExtractSettings
from webtext.clean.wikipedia import has_wikipedia_attribution
from webtext.core import reasons
from webtext.core.document import Document, Page
from webtext.core.urls import doc_id, url_domain

LOG = logging.getLogger(__name__)

try:  # marked "not a stable API" by trafilatura: where it is absent or its signature differs from
    # the one this module calls, every extraction uses bare_extraction
    from trafilatura.core import trafilatura_sequence
    if list(inspect.signature(trafilatura_sequence).parameters) != ["tree", "options", "url"]:
        trafilatura_sequence = None  # type: ignore[assignment]  # pragma: no cover
except ImportError:  # pragma: no cover
    trafilatura_sequence = None  # type: ignore[assignment]

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_UNSPECIFIED_TYPES = ("", "application/octet-stream", "unknown/unknown", "application/unknown")
_BINARY_BYTE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 text is full of NUL bytes, yet text
_SNIFF_BYTES = 1445  # the WHATWG MIME Sniffing resource header size
_TAG = re.compile(rb"<(?:!doctype|html|head|body|meta|title|div|p)\b", re.IGNORECASE)
_LANG_XPATH = XPath('//meta[@http-equiv="content-language" or @http-equiv="Content-Language"'
                    ' or @property="og:locale"]/@content')  # one pass over the tree, in document order
_SUBTAG_END = re.compile(r"[-_,;\s]")
# The characters XML forbids: C0 controls but tab, newline and carriage return (as UTF-8 bytes);
# U+FFFE and U+FFFF (looked for in the text: a search for a character wider than any in a string
# returns at once, and most pages are Latin-1 strings).
_XML_FORBIDDEN_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_XML_FORBIDDEN_NONCHARS = ("\ufffe", "\uffff")


def new_document(page: Page) -> Document:
    """The empty `Document` for `page`: id, URL, domain, fetch time and Reddit provenance."""
    archived = {"archive_source": page.archive_source} if page.archive_source else {}
    return Document(id=doc_id(page.url), url=page.url, domain=url_domain(page.url),
                    fetched_at=page.fetched_at, reddit=page.reddit,
                    meta={"source": page.source, "bytes": len(page.body), **archived})


def screen(page: Page, settings: ExtractSettings) -> str | None:
    """The drop reason that makes extraction of `page` pointless, or None to go ahead."""
    if len(page.body) > settings.max_bytes:
        return reasons.CLEAN_TOO_LARGE
    if not page.body.strip():
        return reasons.CLEAN_EMPTY
    media_type = page.header("Content-Type").split(";")[0].strip().lower()
    head = page.body[:_SNIFF_BYTES]
    binary = not head.startswith(_UTF16_BOMS) and _BINARY_BYTE.search(head) is not None
    if media_type in _HTML_TYPES:
        return reasons.CLEAN_NOT_HTML if binary else None
    if media_type in _UNSPECIFIED_TYPES and _TAG.search(head) and not binary:
        return None
    return reasons.CLEAN_NOT_HTML


def _language_code(value: str) -> str:
    """The primary language subtag of a declared language ("en-GB" -> "en"), or "" if invalid."""
    primary = _SUBTAG_END.split(value.strip().lower(), maxsplit=1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else ""


def declared_language(tree: HtmlElement) -> str:
    """The ISO 639-1 code the page declares for itself (`<html lang>` and meta tags), or ""."""
    # The meta tags count only when the root's attributes do not answer, and searching the whole
    # tree for them costs more than the rest of this function: search only then.
    for value in (tree.get("lang", ""), tree.get("{http://www.w3.org/XML/1998/namespace}lang", "")):
        if code := _language_code(value):
            return code
    for value in _LANG_XPATH(tree):
        if code := _language_code(str(value)):
            return code
    return ""


def _needs_repair(html: str) -> bool:
    """Whether trafilatura's `load_html` would change `html` before parsing it: a DOCTYPE line
    with a "/" (libxml2 bug, lxml #1955915) or an `<html .../>` in the first four lines."""
    if "doctype" in html[:50].lower():
        first_line, newline, _ = html.partition("\n")
        if not newline or "/" in first_line:
            return True
    return any("<html" in line and line.endswith("/>") for line in html[:4096].splitlines()[:4])


def utf8_body(page: Page, html: str, encoding: str) -> bytes | None:
    """`page.body` where it is exactly `html` (decoded from it as `encoding`) in UTF-8, else None:
    UTF-8 without a byte order mark, and no byte replaced by U+FFFD (or the page has that character)."""
    if encoding == "utf-8" and not page.body.startswith(codecs.BOM_UTF8) and "\ufffd" not in html:
        return page.body
    return None


def parse_html(html: str, data: bytes | None = None) -> HtmlElement | None:
    """The page `html` parsed as trafilatura's `load_html` parses it, faster where it can be;
    `data` is `html` in UTF-8 where the caller has it (`utf8_body`: most pages), saving its encoding.

    `load_html` deletes the characters XML forbids with a regular expression over the whole page,
    0.4-0.9 ms a page (measured on the 92 benchmark pages), though real pages almost never contain
    one. Here the page's UTF-8 bytes are checked for them at C speed (`bytes.translate`, about a
    sixth of that time together with the encoding), and a page without them, which `load_html`
    would not repair either, is parsed by lxml with trafilatura's parser settings; every other
    page, and any tree `load_html` would parse again or reject (fewer than two children), goes
    to `load_html`. The two give the same extraction, title and date on all 975 real pages of
    `../shared/data` (`tests/clean/test_clean_extract.py`)."""
    if data is None:
        data = html.encode("utf-8", "surrogatepass")
    if (len(data.translate(None, _XML_FORBIDDEN_BYTES)) != len(data)
            or any(nonchar in html for nonchar in _XML_FORBIDDEN_NONCHARS) or _needs_repair(html)):
        return load_html(html)
    try:
        tree = fromstring(data, parser=HTML_PARSER)
    except Exception:  # load_html reports what lxml cannot parse
        return load_html(html)
    return tree if tree is not None and len(tree) >= 2 else load_html(html)


class Extraction(NamedTuple):
    """What extraction found in a page: its main text, where the text came from, and metadata."""

    text: str
    mode: str  # "precision", "fallback" (recall mode, after a short precision text), "balanced"; "" unparsed
    title: str = ""
    date: str = ""
    declared_language: str | None = None  # None: not looked for (no text, or no metadata asked)


def _sequence_text(tree: HtmlElement, options: Extractor) -> str | None:
    """What `bare_extraction` with `options` returns as text and comments for `tree`, from
    trafilatura's extraction cascade run on `tree` itself (which it prunes), or None where this
    cannot tell (a tree size limit in its configuration): `bare_extraction` first copies a tree it
    is given, 0.45 ms a page. `trafilatura_sequence` is marked "not a stable API";
    `tests/clean/test_clean_extract.py` compares the two on real pages."""
    if trafilatura_sequence is None or options.max_tree_size is not None or options.dedup or options.lang:
        return None
    try:
        result = trafilatura_sequence(tree, options, options.url)
    except (TypeError, ValueError):  # bare_extraction's "no main text"
        return ""
    body, text, comments_body, comments = result  # a changed result fails here, loudly
    if len(text) < options.min_output_size and len(comments) < options.min_output_comm_size:
        return ""
    return "\n".join(part for part in (xmltotxt(body, options.formatting),
                                       xmltotxt(comments_body, options.formatting) if options.comments else "")
                     if part)


def _main_text(tree: HtmlElement, url: str, settings: ExtractSettings, *, consume: bool = False,
               precision: bool = False, recall: bool = False, fast: bool = False) -> str:
    """trafilatura's main text of the page parsed as `tree` ("" when it finds none), in precision,
    recall or else balanced mode; `tree` is left as it was (trafilatura works on a copy) unless
    `consume`, which lets trafilatura prune `tree` itself."""
    options = Extractor(output_format="python", fast=fast, precision=precision, recall=recall,
                        comments=settings.include_comments, tables=settings.include_tables, url=url)
    if consume and (text := _sequence_text(tree, options)) is not None:
        return text
    result = trafilatura.bare_extraction(tree, options=options)
    if not isinstance(result, trafilatura.settings.Document):  # None: no main text found
        return ""
    return "\n".join(part for part in (result.text, result.comments if settings.include_comments else "")
                     if part)


def main_text(html: str, tree: HtmlElement, url: str, settings: ExtractSettings) -> tuple[str, str]:
    """(text, mode) of the page `html` parsed as `tree` (which extraction prunes): precision mode's
    text, or, when that has fewer than `recall_fallback_chars` characters, recall mode's (from
    `html` parsed again) if it has at least that many and `recall_fallback_ratio` times as many
    (mode "fallback"); "balanced" without precision mode."""
    if not settings.favor_precision:
        return _main_text(tree, url, settings, consume=True), "balanced"
    text = _main_text(tree, url, settings, consume=True, precision=True)
    if len(text) >= settings.recall_fallback_chars or (tree := parse_html(html)) is None:
        return text, "precision"
    recall = _main_text(tree, url, settings, consume=True, recall=True, fast=True)
    if len(recall) >= max(settings.recall_fallback_chars, settings.recall_fallback_ratio * len(text)):
        return recall, "fallback"
    return text, "precision"


def _extract(html: str, data: bytes | None, url: str, settings: ExtractSettings) -> Extraction:
    """The main text of the page `html` (`data` in UTF-8, if known) and, with `with_metadata`, its
    metadata (read first, since extraction prunes the tree)."""
    tree = parse_html(html, data)
    if tree is None:
        return Extraction("", "")
    if not settings.with_metadata:
        return Extraction(*main_text(html, tree, url, settings))
    title, date = title_and_date(tree, url)
    language = declared_language(tree)
    text, mode = main_text(html, tree, url, settings)
    return Extraction(text, mode, title, date, language) if text else Extraction(text, mode)


def extract_page(page: Page, settings: ExtractSettings | None = None) -> Document:
    """Extract the main text of `page`; never raises (an unusable page gets a drop reason)."""
    settings = settings or ExtractSettings()
    doc = new_document(page)
    reason = screen(page, settings)
    if reason:
        return doc.dropped(reason)
    html, encoding = decode_body(page.body, page.header("Content-Type"))
    doc.meta["encoding"] = encoding
    doc.meta["wikipedia"] = has_wikipedia_attribution(html)
    try:
        found = call_with_deadline(lambda: _extract(html, utf8_body(page, html, encoding), page.url, settings),
                                   settings.timeout_s)
    except DeadlineExceeded:
        return doc.dropped(reasons.CLEAN_TIMEOUT)
    except Exception as error:  # a bug in a dependency must not stop the pipeline
        LOG.warning("extraction failed for %s (%s): %r", page.url, page.source, error)
        doc.meta["error"] = repr(error)
        return doc.dropped(reasons.CLEAN_NO_MAIN_TEXT)
    text, doc.title, doc.date = found.text, found.title, found.date
    if found.mode:
        doc.meta["extraction"] = found.mode
    if found.declared_language is not None:
        doc.meta["declared_language"] = found.declared_language
    if settings.line_cleanup:
        cleaned = clean_text(text)
        text = cleaned.text
        doc.meta["boilerplate_lines"] = cleaned.boilerplate_lines
        if not text and cleaned.boilerplate_lines:
            return doc.dropped(reasons.CLEAN_BOILERPLATE)
    doc.text = text.strip()
    return doc if doc.text else doc.dropped(reasons.CLEAN_NO_MAIN_TEXT)
