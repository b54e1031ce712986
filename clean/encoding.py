"""Character encoding of a fetched page: HTTP header, then the HTML meta tag, then detection.

The order follows the WHATWG HTML standard's encoding sniffing algorithm (§13.2.3.2): a byte
order mark wins, then the transport layer's `Content-Type: ...; charset=`, then a `<meta charset>`
or `<meta http-equiv="Content-Type">` found by prescanning the first 1024 bytes (we scan 4096, as
browsers do in practice for late meta tags). Without a declaration the body is tried as strict
UTF-8 (most of the web since 2010; W3Techs) and otherwise detected with charset-normalizer;
where its best guesses tie (Latin text fits windows-1250, -1252 and -1257 equally well when only
a few accented letters occur), windows-1252 wins, the default the WHATWG standard names for
undeclared documents in most locales, and the fallback when nothing is detected at all.

Labels are resolved through Python's codec registry; per the WHATWG Encoding standard,
`iso-8859-1`, `latin1` and `ascii` mean windows-1252. Whatever is chosen, bytes that cannot be
decoded become U+FFFD instead of raising: a bad byte never stops the pipeline.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_PRESCAN_BYTES = 4096
_DETECT_BYTES = 65536
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
# WHATWG Encoding §4.2: these labels are decoded as windows-1252.
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii",
                                  "us-ascii", "iso_8859-1", "cp819", "ibm819"})


def _codec(label: str) -> str | None:
    """The Python codec name for an encoding label, or None when Python does not know it."""
    label = label.strip().lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A page cannot declare itself UTF-16 in ASCII-compatible bytes (WHATWG §13.2.3.2).
    return "utf-8" if name.startswith("utf-16") else name


def charset_from_content_type(content_type: str) -> str | None:
    """The codec named by a `Content-Type` header's charset parameter, if any and known."""
    match = _CHARSET_PARAM.search(content_type)
    return _codec(match.group(1)) if match else None


def charset_from_meta(body: bytes) -> str | None:
    """The codec declared by a `<meta>` tag near the start of `body`, if any and known."""
    for tag in _META_TAG.finditer(body[:_PRESCAN_BYTES]):
        match = _CHARSET_PARAM.search(tag.group(0).decode("ascii", "replace"))
        if match:
            return _codec(match.group(1))
    return None


def guess_charset(body: bytes) -> str:
    """charset-normalizer's best guess for bytes that are not valid UTF-8, windows-1252 on ties."""
    matches = list(from_bytes(body[:_DETECT_BYTES]))
    if not matches:
        return "cp1252"
    best = matches[0]
    tied = [m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    return "cp1252" if "cp1252" in tied else (_codec(best.encoding) or "cp1252")


def decode_body(body: bytes, content_type: str = "") -> tuple[str, str]:
    """(text, codec used) for a page body; undecodable bytes become U+FFFD, never an error."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace"), name
    encoding = charset_from_content_type(content_type) or charset_from_meta(body)
    if encoding is None:
        try:  # undeclared: strict UTF-8 first, the text kept rather than decoded a second time
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = guess_charset(body)
    return body.decode(encoding, errors="replace"), encoding
