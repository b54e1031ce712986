"""URL normalization and document ids."""

from __future__ import annotations

import pytest
from webtext.core.urls import doc_id, normalize_url, url_domain


@pytest.mark.parametrize(("raw", "expected"), [
    pytest.param("HTTP://Example.COM/a", "http://example.com/a", id="scheme and host lower-cased"),
    pytest.param("http://example.com:80/a", "http://example.com/a", id="default http port dropped"),
    pytest.param("https://example.com:443/a", "https://example.com/a", id="default https port dropped"),
    pytest.param("https://example.com:8443/a", "https://example.com:8443/a", id="other port kept"),
    pytest.param("http://example.com", "http://example.com/", id="empty path is /"),
    pytest.param("http://example.com/a#section-2", "http://example.com/a", id="fragment dropped"),
    pytest.param("http://example.com/a/./b/../c", "http://example.com/a/c", id="dot segments resolved"),
    pytest.param("http://example.com/%7Euser/%2fx", "http://example.com/~user/%2Fx", id="percent-escapes normalized"),
    pytest.param("http://example.com/a b", "http://example.com/a%20b", id="space escaped"),
    pytest.param("http://example.com/?b=2&a=1", "http://example.com/?a=1&b=2", id="query sorted"),
    pytest.param("http://example.com/p?utm_source=reddit&utm_medium=x&id=3&fbclid=IwAR", "http://example.com/p?id=3",
                 id="tracking parameters dropped"),
    pytest.param("http://bücher.de/straße", "http://xn--bcher-kva.de/stra%C3%9Fe", id="IDN host and UTF-8 path"),
    pytest.param("http://example.com./a", "http://example.com/a", id="trailing dot of host dropped"),
])
def test_normalize_url(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


@pytest.mark.parametrize("bad", ["ftp://example.com/", "mailto:a@b.c", "http:///nohost", "javascript:alert(1)",
                                 "http://example.com:99999/"])
def test_normalize_url_rejects_what_is_not_a_web_page(bad: str) -> None:
    with pytest.raises(ValueError, match="URL|host|port"):
        normalize_url(bad)


def test_doc_id_is_stable_and_ignores_url_noise() -> None:
    assert doc_id("http://Example.com/a?utm_source=x#top") == doc_id("http://example.com/a")
    assert doc_id("http://example.com/a") != doc_id("http://example.com/b")
    assert doc_id("http://example.com/a") == "77de988488adfeb1"  # ids must never change between releases


def test_url_domain() -> None:
    assert url_domain("https://WWW.Example.com:8080/x") == "example.com"
    assert url_domain("http://news.example.co.uk/") == "news.example.co.uk"


def test_url_domain_of_a_url_without_a_parsable_host_is_empty() -> None:
    assert url_domain("http://[bad/x") == ""
    assert url_domain("http://[::1/") == ""


def test_ipv6_hosts_keep_their_brackets() -> None:
    assert normalize_url("http://[::1]:8080/x") == "http://[::1]:8080/x"
    assert normalize_url("HTTP://[0:0:0:0:0:FFFF:7F00:1]/") == "http://[::ffff:7f00:1]/"
    with pytest.raises(ValueError, match="IPv6"):
        normalize_url("http://[zz::1]/")
