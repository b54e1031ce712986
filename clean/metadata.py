r"""A page's title and publication date, the two metadata fields a `Document` keeps.

Both come from trafilatura's metadata module and htmldate (Barbaresi 2021, ACL demo; htmldate,
JOSS 2020), in the order `trafilatura.metadata.extract_metadata` applies them: meta tags
(OpenGraph, `name=title`, `itemprop=headline`), then JSON-LD, then the `<title>` and heading
elements for the title; the canonical URL, then htmldate's extensive search for the original
publication date.

`extract_metadata` also looks for the author, site name, categories, tags and licence, which a
`Document` does not keep, and they cost most of its time. JSON-LD is parsed only when the meta tags
give no title, the one field it can fill here. Measured on the 92 real pages of
`../shared/data/extraction-benchmark`: 5.0 ms a page for `extract_metadata`, 0.77 ms for
`title_and_date` (1.14 ms when it parsed JSON-LD on every page), with the same title and date on
all 92 pages (`tests/clean/test_clean_metadata.py` compares the two). The time of 92 pages:

    .venv/bin/python -m timeit -s "from pathlib import Path; from trafilatura.utils import \
    load_html; from webtext.clean.scoring import load_benchmark; from webtext.clean.metadata \
    import title_and_date; pages = [(load_html(p.body.decode('utf-8', 'replace')), p.url) for p, _ \
    in load_benchmark(Path('../shared/data/extraction-benchmark'))]" \
    "for tree, url in pages: title_and_date(tree, url)"
"""

from __future__ import annotations

import logging

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title, extract_url
from trafilatura.settings import set_date_params

LOG = logging.getLogger(__name__)


def title_and_date(tree: HtmlElement, url: str) -> tuple[str, str]:
    """(title, date as YYYY-MM-DD) of the page parsed as `tree`, each "" when not found."""
    metadata = examine_meta(tree)
    # JSON-LD only fills in a title that the meta tags did not give (never the URL the date search
    # starts from), and parsing it costs more than the meta tags: skip it when they gave one.
    if not metadata.title:
        try:
            metadata = extract_meta_json(tree, metadata)
        except Exception as error:  # as extract_metadata does: a JSON-LD parser bug costs the field only
            LOG.debug("JSON-LD metadata of %s unreadable: %r", url, error)
    metadata.title = metadata.title or extract_title(tree)
    metadata.url = metadata.url or extract_url(tree, url)
    metadata.date = find_date(tree, **{**set_date_params(extensive=True), "url": metadata.url})
    metadata.clean_and_trim()
    return metadata.title or "", metadata.date or ""
