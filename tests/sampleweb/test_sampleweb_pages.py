"""Every awkward case of the sample web is served as its ground truth describes."""

from __future__ import annotations

import gzip
import http.client
import socket
from collections import Counter

import pytest
from webtext.core import reasons
from webtext.core.urls import normalize_url
from webtext.sampleweb.archive import REFUSED_ADDRESS, REFUSED_HOST
from webtext.sampleweb.resources import GZIP_BOMB_BYTES, LARGE_PAGE_BYTES
from webtext.sampleweb.server import RunningSampleWeb
from webtext.sampleweb.truth import UrlTruth


def fetch(web: RunningSampleWeb, url: str, timeout: float = 10) -> http.client.HTTPResponse:
    """GET `url` from the sample web (its host names resolve to 127.0.0.1, like the hosts file says)."""
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=timeout)
    connection.request("GET", "/" + path, headers={"Host": host})
    return connection.getresponse()


def of_kind(web: RunningSampleWeb, kind: str) -> list[UrlTruth]:
    found = [t for t in web.truth.values() if t.kind == kind]
    assert found, f"the sample web has no {kind} case"
    return found


def test_every_case_the_crawl_meets_is_present(sample_web: RunningSampleWeb) -> None:
    kinds = Counter(t.kind for t in sample_web.truth.values())
    for kind in ("article", "below_threshold", "self_post", "nsfw", "removed", "stickied", "reddit_link",
                 "media", "wikipedia", "wiki_mirror", "exact_copy", "syndicated_copy", "robots",
                 "robots_unreachable", "robots_missing", "redirect", "redirect_loop", "http_404", "http_500",
                 "timeout", "slow", "too_large", "gzip_bomb", "charset_header", "charset_meta", "charset_none",
                 "empty", "not_html", "not_html_type", "archive_nearest", "archive_after_soft_404",
                 "archive_soft_404", "archive_parked", "archive_refused", "archived_live"):
        assert kinds[kind] >= 1, kind
    assert len({h for h in sample_web.site.hosts if h.endswith(".test")}) >= 20


def test_hosts_file_lists_every_page_host(sample_web: RunningSampleWeb) -> None:
    lines = [line.split() for line in sample_web.hosts_file.read_text().splitlines() if not line.startswith("#")]
    assert {name for addr, name in lines if addr == "127.0.0.1"} == set(sample_web.site.hosts)
    assert [(addr, name) for addr, name in lines if addr != "127.0.0.1"] == [(REFUSED_ADDRESS, REFUSED_HOST)]


def test_articles_are_served_with_their_text_and_boilerplate(sample_web: RunningSampleWeb) -> None:
    for truth in of_kind(sample_web, "article")[:10]:
        response = fetch(sample_web, truth.url)
        page = response.read().decode("utf-8")
        assert response.status == 200 and response.getheader("Content-Type").startswith("text/html")
        assert truth.article_text.split("\n")[0][:40].replace("'", "&#x27;").replace('"', "&quot;")[:20] in page
        assert all(snippet in page for snippet in truth.boilerplate)


def test_link_cases_are_marked_for_the_collector(sample_web: RunningSampleWeb) -> None:
    posts = {p["id"]: p for p in sample_web.site.posts}
    for truth in sample_web.truth.values():
        linked = [posts[i] for i in truth.post_ids]
        if truth.kind == "below_threshold":
            assert max(p["score"] for p in linked) < 3
        if truth.kind == "self_post":
            assert all(p["is_self"] for p in linked)
        if truth.kind == "nsfw":
            assert all(p["over_18"] for p in linked)
        if truth.kind == "sum_scores":
            assert sum(p["score"] for p in linked) >= 3 > max(p["score"] for p in linked)
        if truth.link_drop is None:
            assert max(p["score"] for p in linked) >= 3


def test_tracking_variants_normalize_to_their_article(sample_web: RunningSampleWeb) -> None:
    for truth in of_kind(sample_web, "tracking_variant"):
        assert "utm_source" in truth.url and truth.normalized == normalize_url(truth.final_url or "")


def test_robots_txt_disallows_the_robots_case(sample_web: RunningSampleWeb) -> None:
    truth = of_kind(sample_web, "robots")[0]
    host = truth.url.split("/")[2]
    robots = fetch(sample_web, f"http://{host}/robots.txt").read().decode()
    assert "Disallow: /private/" in robots and "/private/" in truth.url


def test_robots_txt_of_the_unreachable_case_answers_503(sample_web: RunningSampleWeb) -> None:
    truth = of_kind(sample_web, "robots_unreachable")[0]
    host = truth.url.split("/")[2]
    assert fetch(sample_web, f"http://{host}/robots.txt").status == 503
    assert fetch(sample_web, truth.url).status == 200  # the page is there; only robots.txt keeps it out
    assert truth.fetch_drop == reasons.FETCH_ROBOTS_UNREACHABLE


def test_robots_txt_of_the_missing_case_answers_404_with_rules_that_must_not_apply(
        sample_web: RunningSampleWeb) -> None:
    truth = of_kind(sample_web, "robots_missing")[0]
    robots = fetch(sample_web, f"http://{truth.url.split('/')[2]}/robots.txt")
    assert robots.status == 404 and b"Disallow: /" in robots.read()
    assert truth.fetch_drop is None and truth.kept


def test_redirects_and_redirect_loop(sample_web: RunningSampleWeb) -> None:
    for truth in of_kind(sample_web, "redirect"):
        response = fetch(sample_web, truth.url)
        assert response.status == 301 and response.getheader("Location") == truth.final_url
    loop = of_kind(sample_web, "redirect_loop")[0]
    first = fetch(sample_web, loop.url)
    second = fetch(sample_web, first.getheader("Location"))
    assert second.getheader("Location") == loop.url


@pytest.mark.parametrize(("kind", "status"), [("http_404", 404), ("http_500", 500)])
def test_http_errors(sample_web: RunningSampleWeb, kind: str, status: int) -> None:
    assert fetch(sample_web, of_kind(sample_web, kind)[0].url).status == status


def test_timeout_page_does_not_answer_in_time(sample_web: RunningSampleWeb) -> None:
    with pytest.raises((socket.timeout, TimeoutError)):
        fetch(sample_web, of_kind(sample_web, "timeout")[0].url, timeout=1.0)


def test_slow_host_answers(sample_web: RunningSampleWeb) -> None:
    assert fetch(sample_web, of_kind(sample_web, "slow")[0].url).status == 200


def test_oversized_page_and_gzip_bomb(sample_web: RunningSampleWeb) -> None:
    large = fetch(sample_web, of_kind(sample_web, "too_large")[0].url)
    assert int(large.getheader("Content-Length")) > LARGE_PAGE_BYTES
    bomb = fetch(sample_web, of_kind(sample_web, "gzip_bomb")[0].url)
    compressed = bomb.read()
    assert bomb.getheader("Content-Encoding") == "gzip" and len(compressed) < 1024 * 1024
    assert len(gzip.decompress(compressed)) >= GZIP_BOMB_BYTES
    assert of_kind(sample_web, "gzip_bomb")[0].fetch_drop == reasons.FETCH_TOO_LARGE


def test_non_utf8_pages(sample_web: RunningSampleWeb) -> None:
    header = fetch(sample_web, of_kind(sample_web, "charset_header")[0].url)
    assert header.getheader("Content-Type") == "text/html; charset=ISO-8859-1"
    assert "élèves" in header.read().decode("iso-8859-1")
    meta = fetch(sample_web, of_kind(sample_web, "charset_meta")[0].url)
    body = meta.read()
    assert b'charset="windows-1251"' in body and "Студенты" in body.decode("windows-1251")
    bare = fetch(sample_web, of_kind(sample_web, "charset_none")[0].url)
    raw = bare.read()
    assert bare.getheader("Content-Type") == "text/html" and b"charset" not in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_unusable_pages(sample_web: RunningSampleWeb) -> None:
    assert fetch(sample_web, of_kind(sample_web, "empty")[0].url).read() == b""
    not_html = fetch(sample_web, of_kind(sample_web, "not_html")[0].url)
    assert not_html.getheader("Content-Type").startswith("text/html") and not_html.read().startswith(b"%PDF")
    typed = fetch(sample_web, of_kind(sample_web, "not_html_type")[0].url)
    assert typed.getheader("Content-Type") == "application/pdf"
    mirror = fetch(sample_web, of_kind(sample_web, "wiki_mirror")[0].url).read().decode()
    assert "From Wikipedia, the free encyclopedia" in mirror


def test_copies_point_at_a_better_scored_original(sample_web: RunningSampleWeb) -> None:
    for kind, reason in (("exact_copy", reasons.DEDUP_EXACT), ("syndicated_copy", reasons.DEDUP_NEAR)):
        for truth in of_kind(sample_web, kind):
            original = sample_web.truth[truth.duplicate_of or ""]
            assert truth.dedup_drop == reason and original.best_score > truth.best_score
            if kind == "exact_copy":
                assert truth.article_text == original.article_text


def test_fetched_pages_cover_every_fetched_url_once(sample_web: RunningSampleWeb) -> None:
    pages = list(sample_web.site.fetched_pages())
    expected = {t.normalized for t in sample_web.truth.values() if t.fetched}
    assert len(pages) == len(expected)
    assert all(page.reddit and page.status == 200 for page in pages)


def test_an_answer_leaves_in_one_send(sample_web: RunningSampleWeb) -> None:
    # Head and body written apart, Nagle's algorithm holds the body back until the client's
    # delayed acknowledgement of the head (up to 40 ms a page): every crawl of the sample web
    # waited on it. Written together, the first read returns the whole answer.
    truth = of_kind(sample_web, "article")[0]
    host, _, path = truth.url.split("://", 1)[1].partition("/")
    with socket.create_connection(("127.0.0.1", sample_web.port), timeout=10) as client:
        client.sendall(f"GET /{path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        first = client.recv(1 << 16)
    head, _, body = first.partition(b"\r\n\r\n")
    lengths = [line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    length = int(lengths[0])
    assert 0 < length < 1 << 15 and len(body) == length


def test_expect_100_continue_is_answered_before_the_body_is_sent(sample_web: RunningSampleWeb) -> None:
    with socket.create_connection(("127.0.0.1", sample_web.port), timeout=10) as client:
        client.sendall(b"POST /api/v1/access_token HTTP/1.1\r\nHost: www.reddit.test\r\nContent-Length: 4\r\n"
                       b"Expect: 100-continue\r\n\r\n")
        assert client.recv(1 << 10).startswith(b"HTTP/1.1 100 Continue")  # a buffered answer would wait here
        client.sendall(b"x=yz")
        assert client.recv(1 << 16).startswith(b"HTTP/1.1 401")
