"""CDX index answers, the nearest capture, soft 404s and parked domains, without a network."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from webtext.crawl.spiders.cdx import (
    COMMONCRAWL,
    WAYBACK,
    BadIndex,
    Capture,
    capture_request,
    index_query,
    nearest,
    parse_index,
    timestamp_of,
)
from webtext.crawl.spiders.deadlinks import is_parked, is_soft_404

SHARED = 1496275200  # 2017-06-01T00:00:00Z
HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def wayback_row(stamp: str, status: str = "200") -> list[str]:
    return ["test,x)/a", stamp, "http://x.test/a", "text/html", status, "DIGEST", "1415"]


def test_the_wayback_query_asks_for_200_captures_nearest_the_post() -> None:
    url = index_query(WAYBACK, "https://web.archive.org/cdx/search/cdx", "http://x.test/a?b=1&c=2", SHARED, 3)
    params = parse_qs(urlsplit(url).query)
    assert url.startswith("https://web.archive.org/cdx/search/cdx?")
    assert params["url"] == ["http://x.test/a?b=1&c=2"] and params["output"] == ["json"]
    assert params["closest"] == ["20170601000000"] and params["sort"] == ["closest"] and params["limit"] == ["3"]
    assert params["filter"] == ["statuscode:200"]
    cc = parse_qs(urlsplit(index_query(COMMONCRAWL, "http://i.test/CC-index?x=1", "http://x.test/", 0, 2)).query)
    assert cc["filter"] == ["=status:200"] and cc["x"] == ["1"] and cc["closest"] == ["19700101000000"]


def test_a_wayback_answer_gives_its_captures_by_field_name() -> None:
    body = json.dumps([HEADER, wayback_row("20170610141500"), wayback_row("20161102093000"), [], ["resumekey"]])
    assert parse_index(WAYBACK, body.encode()) == [Capture("20170610141500", "http://x.test/a", "200"),
                                                   Capture("20161102093000", "http://x.test/a", "200")]
    reordered = json.dumps([["statuscode", "original", "timestamp"], ["200", "http://x.test/a", "20170101000000"]])
    assert parse_index(WAYBACK, reordered.encode()) == [Capture("20170101000000", "http://x.test/a", "200")]
    assert parse_index(WAYBACK, b"[]") == []


def test_a_common_crawl_answer_gives_file_offset_and_length() -> None:
    line = {"urlkey": "test,x)/a", "timestamp": "20170610141500", "url": "http://x.test/a", "status": "200",
            "filename": "crawl-data/a.warc.gz", "offset": "1024", "length": "2048"}
    body = (json.dumps(line) + "\n\n" + json.dumps({**line, "offset": 0, "length": 5}) + "\n").encode()
    first, second = parse_index(COMMONCRAWL, body)
    assert (first.filename, first.offset, first.length) == ("crawl-data/a.warc.gz", 1024, 2048)
    assert (second.offset, second.length) == (0, 5)
    assert capture_request(COMMONCRAWL, "https://data.commoncrawl.org/", first) == (
        "https://data.commoncrawl.org/crawl-data/a.warc.gz", {"Range": "bytes=1024-3071"})


@pytest.mark.parametrize(("api", "body", "says"), [
    (WAYBACK, b"<html>Service Unavailable</html>", "not JSON"),
    (WAYBACK, json.dumps([HEADER, wayback_row("20170610141500")]).encode()[:-9], "not JSON"),
    (WAYBACK, b'{"error": "busy"}', "a JSON dict, not a list"),
    (WAYBACK, json.dumps([HEADER, ["20170610141500"]]).encode(), "row 2"),
    (WAYBACK, json.dumps([HEADER, [*wayback_row("2017")[:1], 20170610, *wayback_row("x")[2:]]]).encode(), "row 2"),
    (WAYBACK, json.dumps([HEADER, wayback_row("2017061014150")]).encode(), "not a date of 14 digits"),
    (WAYBACK, json.dumps([HEADER, wayback_row("20171399000000")]).encode(), "not a date of 14 digits"),
    (WAYBACK, json.dumps([["urlkey", "original"]]).encode(), "no timestamp, statuscode field"),
    (WAYBACK, json.dumps([[1, 2]]).encode(), "first row"),
    (WAYBACK, b"\xff\xfe[]", "not UTF-8"),
    (WAYBACK, b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (COMMONCRAWL, b'{"timestamp": "20170610141500", "url": "u", "status": "200", "filename": "f", '
                  b'"offset": "-1", "length": "9"}', "offset"),
    (COMMONCRAWL, b'{"timestamp": "20170610141500", "url": "u", "status": 200, "filename": "f"}', "text timestamp"),
    (COMMONCRAWL, b'["not", "an", "object"]', "a JSON list, not an object"),
    (COMMONCRAWL, b'{"timestamp": "20170610141500", "url": "u", "status": "200", "filename": "f", "off', "not JSON"),
])
def test_a_damaged_answer_is_one_bad_index_line(api: str, body: bytes, says: str) -> None:
    with pytest.raises(BadIndex) as raised:
        parse_index(api, body)
    assert says in str(raised.value) and "\n" not in str(raised.value)


def test_nearest_orders_by_distance_and_keeps_only_200_captures() -> None:
    captures = [Capture(stamp, "http://x.test/a", status) for stamp, status in (
        ("20161102093000", "200"), ("20170201120000", "200"), ("20170515080000", "404"),
        ("20170610141500", "200"), ("20180301000000", "200"), ("20170610141500", "200"))]
    chosen = nearest(captures, SHARED, 3)
    assert [c.timestamp for c in chosen] == ["20170610141500", "20170201120000", "20161102093000"]
    assert nearest(captures, SHARED, 1)[0].time == "2017-06-10T14:15:00Z"
    tie = [Capture("20170602000000", "u", "200"), Capture("20170531000000", "u", "200")]
    assert nearest(tie, SHARED, 2)[0].timestamp == "20170531000000"  # as near: the earlier
    assert timestamp_of(SHARED) == "20170601000000"


def test_a_wayback_capture_is_replayed_raw() -> None:
    capture = Capture("20170610141500", "http://x.test/a?b=1", "200")
    assert capture_request(WAYBACK, "https://web.archive.org/web/", capture) == (
        "https://web.archive.org/web/20170610141500id_/http://x.test/a?b=1", {})


@pytest.mark.parametrize("page", [
    b"<html><head><title>Page Not Found | Daily News</title></head><body>...</body></html>",
    b"<html><head><title>Daily News</title></head><body><h1>Sorry, this page could not be found</h1></body></html>",
    b"<html><title>404</title></html>",
    b"<HTML><TITLE>Error: story no longer available</TITLE></HTML>",
    b"<html><head><title>Oops &#8212; that page doesn&#8217;t exist</title></head></html>",
])
def test_soft_404_pages_are_recognised(page: bytes) -> None:
    assert is_soft_404(page)


@pytest.mark.parametrize("page", [
    b"<html><head><title>City council finds new budget</title></head><body><h1>Budget found</h1></body></html>",
    b"<html><body><p>The page you are reading was not found in any index until today.</p></body></html>",
    b"",
])
def test_ordinary_pages_are_not_soft_404s(page: bytes) -> None:
    assert not is_soft_404(page)


def test_a_redirect_to_a_parking_host_is_a_parked_domain() -> None:
    assert is_parked("http://old-blog.example/post", "https://www.hugedomains.com/domain_profile.cfm?d=old-blog")
    assert is_parked("http://old-blog.example/", "http://ww38.sedoparking.com/old-blog.example")
    assert not is_parked("http://www.sedo.com/about", "https://sedo.com/about")  # the marketplace's own pages
    assert not is_parked("http://old-blog.example/post", "http://old-blog.example/new-post")
    assert not is_parked("http://x.example/", "http://notsedo.com/")
