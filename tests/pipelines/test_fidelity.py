"""The comparison with WebText's 1,000 most frequent domains: registered domains and labels, the
packaged reference, and `compare` on hand-made counts."""

from __future__ import annotations

import socket
from importlib.resources import files
from pathlib import Path

import pytest
from scipy.stats import spearmanr
from webtext.core import urls
from webtext.core.errors import BadFileError
from webtext.core.urls import registered_domain
from webtext.pipelines.fidelity import (
    REFERENCE_FILE,
    compare,
    read_domains,
    reference_domains,
    spearman,
    webtext_label,
)


@pytest.mark.parametrize(("host", "domain", "label"), [
    ("www.bbc.co.uk", "bbc.co.uk", "bbc"),
    ("www.nytimes.com", "nytimes.com", "nytimes"),
    ("blog.example.blogspot.com", "blogspot.com", "blogspot"),  # blogspot.com is a private suffix: not used
    ("user.github.io", "github.io", "github"),
    ("www.daily-chronicle.test", "daily-chronicle.test", "daily-chronicle"),  # no such suffix: the last label
    ("city.kawasaki.jp", "city.kawasaki.jp", "city"),  # an exception rule of the list
    ("BBC.CO.UK.", "bbc.co.uk", "bbc"),
    ("127.0.0.1", "127.0.0.1", "127.0.0.1"),
    ("[2001:db8::1]", "2001:db8::1", "2001:db8::1"),
    ("localhost", "localhost", "localhost"),
    ("co.uk", "co.uk", "co.uk"),  # a public suffix itself
    ("", "", ""),
])
def test_registered_domain_and_label(host: str, domain: str, label: str) -> None:
    assert registered_domain(host) == domain
    assert webtext_label(host) == label == webtext_label(domain)


def test_the_public_suffix_list_is_read_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the network was used")

    urls._suffix_list.cache_clear()
    urls.domain_parts.cache_clear()
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert registered_domain("news.bbc.co.uk") == "bbc.co.uk"


def test_the_reference_holds_webtext_s_1000_labels() -> None:
    reference = reference_domains()
    assert len(reference) == 1000
    assert list(reference.items())[:3] == [("google", 1542261), ("archive", 596207), ("blogspot", 456344)]
    assert reference["omegle"] == 5594 and "Omegle" not in reference  # labels compared lower-cased
    assert "" in reference  # the one line without a label


def test_the_packaged_reference_is_the_shared_file(webtext_domains: Path) -> None:
    packaged = files("webtext.pipelines").joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    assert packaged.startswith("# ") and "Modified MIT License" in packaged
    rows = [line for line in packaged.splitlines(keepends=True) if not line.startswith("#")]
    assert "".join(rows) == (webtext_domains / "domains.txt").read_text(encoding="utf-8")


def test_compare_on_counts_with_a_known_rank_correlation() -> None:
    counts = {"nytimes.com": 40, "www.nytimes.com": 0, "bbc.co.uk": 10, "bbc.com": 10, "github.io": 30,
              "archive.org": 5, "google.com": 5, "daily-chronicle.test": 100}
    found = compare(counts)
    reference = reference_domains()
    common = ["archive", "bbc", "github", "google", "nytimes"]
    ours = [5, 20, 30, 5, 40]
    assert found["documents"] == 200 and found["in_reference"] == 100 and found["share"] == 0.5
    assert found["reference_labels"] == 1000 and found["reference"].startswith("WebText's 1,000")
    assert found["corpus_labels"] == 6 and found["common"] == 5
    expected = spearmanr(ours, [reference[label] for label in common]).statistic
    assert found["spearman"] == pytest.approx(expected)
    largest = found["largest"]
    assert len(largest) == 10
    assert largest[0]["label"] == "nytimes" and largest[0]["corpus_share"] == 0.4
    assert largest[0]["webtext_share"] == pytest.approx(reference["nytimes"] / sum(reference.values()))
    gaps = [abs(row["corpus_share"] - row["webtext_share"]) for row in largest]
    assert gaps == sorted(gaps, reverse=True)


def test_compare_without_enough_common_labels() -> None:
    outside = compare({"daily-chronicle.test": 7, "evening-post.test": 3})
    assert (outside["in_reference"], outside["share"], outside["common"], outside["corpus_labels"]) == (0, 0.0, 0, 2)
    assert outside["spearman"] is None and outside["largest"] == []
    two = compare({"nytimes.com": 3, "bbc.co.uk": 1})
    assert two["common"] == 2 and two["spearman"] is None and len(two["largest"]) == 10
    assert compare({})["share"] == 0.0


@pytest.mark.parametrize(("xs", "ys"), [
    ([1, 2, 3, 4], [10, 20, 30, 40]),
    ([1, 2, 2, 3, 5], [5, 3, 3, 2, 1]),
    ([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]),
])
def test_spearman_matches_scipy_ties_included(xs: list[float], ys: list[float]) -> None:
    assert spearman(xs, ys) == pytest.approx(spearmanr(xs, ys).statistic)


def test_spearman_is_undefined_on_constant_counts() -> None:
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_a_bad_domains_table_is_one_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "domains.csv"
    with pytest.raises(BadFileError, match="domains.csv: not found"):
        read_domains(str(path))
    path.write_text("host,count\nbbc.co.uk,3\n")
    with pytest.raises(BadFileError, match="domains.csv: not a domains table"):
        read_domains(str(path))
    path.write_text("domain,documents,share\nbbc.co.uk,three,0.5\n")
    with pytest.raises(BadFileError, match="domains.csv: not a domains table"):
        read_domains(str(path))
    path.write_text("domain,documents,share\nbbc.co.uk,3,0.75\nnytimes.com,1,0.25\n")
    assert read_domains(str(path)) == {"bbc.co.uk": 3, "nytimes.com": 1}
