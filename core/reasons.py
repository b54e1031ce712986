"""The names of every drop reason, by stage: one vocabulary for the stages, the sample web's
ground truth, the manifest's accounting and the report.

A reason is a short snake_case string; where a record is dropped says which stage dropped it, so
the accounting key is `"{stage}:{reason}"` (see `key`).
"""

from __future__ import annotations

from typing import Final

# crawl, link collection: why a Reddit submission's URL is not queued for fetching.
LINK_BELOW_THRESHOLD: Final = "below_threshold"
LINK_SELF_POST: Final = "self_post"
LINK_NSFW: Final = "nsfw"
LINK_REMOVED: Final = "removed"
LINK_STICKIED: Final = "stickied"
LINK_REDDIT: Final = "reddit_link"
LINK_MEDIA: Final = "media"
LINK_BLOCKLIST: Final = "blocklist"
LINK_WIKIPEDIA: Final = "wikipedia"
LINK_INVALID_URL: Final = "invalid_url"
LINK_OUT_OF_RANGE: Final = "out_of_range"
LINK_BAD_RECORD: Final = "bad_record"  # not a submission: not JSON, not an object, or a field of the wrong type

# crawl, page fetching: why a queued URL has no page. HTTP errors are "http_<status>".
FETCH_ROBOTS: Final = "robots"
FETCH_ROBOTS_UNREACHABLE: Final = "robots_unreachable"
FETCH_TOO_LARGE: Final = "too_large"
FETCH_REDIRECT_LOOP: Final = "redirect_loop"
FETCH_TIMEOUT: Final = "timeout"
FETCH_NOT_HTML: Final = "not_html"
FETCH_PRIVATE_ADDRESS: Final = "private_address"
FETCH_DNS_ERROR: Final = "dns_error"
FETCH_CONNECTION_ERROR: Final = "connection_error"
FETCH_PARKED_DOMAIN: Final = "parked_domain"  # redirected to a domain-parking or domain-sale host

# crawl, web archives: why a URL looked up in an archive has no page from there.
ARCHIVE_NONE: Final = "archive_none"  # the index holds no usable capture (`--archive always`)
ARCHIVE_SOFT_404: Final = "archive_soft_404"  # the captures tried are "not found" pages served with 200
ARCHIVE_BAD_INDEX: Final = "archive_bad_index"  # the index answered something that is not a capture list
ARCHIVE_ERROR: Final = "archive_error"  # the index or every capture tried failed (timeout, HTTP error, ...)


def http_error(status: int) -> str:
    """The fetch drop reason for an HTTP error status, e.g. `http_404`."""
    return f"http_{status}"


# clean: extraction and document filters.
CLEAN_NOT_HTML: Final = "not_html"
CLEAN_EMPTY: Final = "empty"
CLEAN_TOO_LARGE: Final = "too_large"
CLEAN_TIMEOUT: Final = "timeout"
CLEAN_NO_MAIN_TEXT: Final = "no_main_text"
CLEAN_TOO_SHORT: Final = "too_short"
CLEAN_TOO_LONG: Final = "too_long"
CLEAN_WIKIPEDIA: Final = "wikipedia"
CLEAN_LANGUAGE: Final = "language"
CLEAN_REPETITION: Final = "repetition"
CLEAN_SYMBOL_RATIO: Final = "symbol_ratio"
CLEAN_BOILERPLATE: Final = "boilerplate"

# dedup: duplicates and test-set contamination.
DEDUP_EXACT: Final = "exact_duplicate"
DEDUP_NEAR: Final = "near_duplicate"
DEDUP_CONTAMINATED: Final = "contaminated"

# tokenizer training: input documents not used to train the BPE.
TOKENIZER_EMPTY: Final = "empty"

# evaluation sets: documents of an evaluation file that are not part of the set.
EVAL_EMPTY: Final = "empty"

# read (WARC input): why a response record read in full gives no page.
READ_TOO_LARGE: Final = "too_large"  # the decoded body passed the clean stage's max_bytes
READ_NOT_HTTP: Final = "not_http"  # the target URI is not http(s): dns:, ftp:, whois:, none
READ_BAD_HTTP: Final = "bad_http"  # no HTTP message, or one that cannot be parsed or decoded


def key(stage: str, reason: str) -> str:
    """The accounting key of `reason` dropped at `stage`, e.g. `clean:too_short`."""
    return f"{stage}:{reason}"
