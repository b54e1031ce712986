"""Links cannot make the crawler reach its own network (server-side request forgery).

A "secret" HTTP server on 127.0.0.1 counts every request it receives. A small listing API on
127.0.0.1 (given as `--api-base`) posts links that point at it directly, through a hosts-file
name, through a redirect or meta refresh served by a third server, and through IPv6 literals.
`webtext crawl run` must never ask the secret server anything unless `--allow-private` or
`--allow-address` allows its address, must count each refusal as `private_address` with one log
line and no traceback, must keep the secret body out of every WARC file, and must classify IP
literals without any name lookup (the crawl runs with the socket module's resolver functions
recording every call).
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from twisted.internet import defer
from twisted.internet.address import IPv4Address, IPv6Address
from webtext.core import reasons
from webtext.core.urls import normalize_url
from webtext.crawl.spiders.addresses import AddressGuard, GuardedResolver, is_public, literal_address, parse_allowed

from tests.crawl.conftest import FAST, crawl_command

pytestmark = pytest.mark.slow

SECRET = b"SECRET-BODY-b71c0e"
Respond = Callable[[str], tuple[int, list[tuple[str, str]], bytes]]

# Literal forms of non-public addresses: none may cause a name lookup.
LITERALS = ["::1", "[::1]", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "2002:7f00:1::",
            "64:ff9b::7f00:1", "64:ff9b::a00:1", "2130706433", "0x7f.1", "127.1", "0177.0.0.1", "0.0.0.0",
            "127.0.0.1.", "10.0.0.1", "169.254.169.254"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, respond: Respond) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.respond = respond
        self.requests: list[str] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests.append(self.path)
        status, headers, body = self.server.respond(self.path)
        self.send_response(status)
        for name, value in [*headers, ("Content-Length", str(len(body)))]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_POST = do_GET


def _html(body: bytes, extra: list[tuple[str, str]] | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    return 200, [("Content-Type", "text/html; charset=utf-8"), *(extra or [])], body


@dataclass
class Web:
    """The three servers and the links the listing posts (name -> URL)."""

    secret: _Server
    relay: _Server
    api: _Server
    links: dict[str, str]
    hosts: Path

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.api.port}"


def _post(number: int, url: str) -> dict[str, Any]:
    return {"kind": "t3", "data": {"id": f"p{number}", "name": f"t3_p{number}", "url": url, "subreddit": "test",
                                   "score": 50, "created_utc": 1500000000 + number, "title": f"post {number}",
                                   "permalink": f"/r/test/comments/p{number}/", "is_self": False,
                                   "over_18": False, "stickied": False}}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    secret = _Server(lambda path: _html(b"<html><body><p>" + SECRET + b"</p></body></html>"))
    sp = secret.port
    targets = {"/to-secret": f"http://127.0.0.1:{sp}/redirected", "/to-v6": f"http://[::1]:{sp}/v6",
               "/to-mapped": f"http://[::ffff:127.0.0.1]:{sp}/mapped"}

    def relay_answer(path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        if path in targets:
            return 302, [("Location", targets[path])], b""
        if path == "/refresh":
            meta = f'<html><head><meta http-equiv="refresh" content="0; url=http://127.0.0.1:{sp}/refreshed">'
            return _html(meta.encode() + b"</head><body>moved</body></html>")
        if path == "/robots.txt":
            return 404, [("Content-Type", "text/plain")], b""
        return _html(b"<html><body>a public page</body></html>")

    relay = _Server(relay_answer)
    links = {"direct": f"http://127.0.0.1:{sp}/direct", "hosts_name": f"http://news.example.com:{sp}/named",
             "redirect": f"http://127.0.0.1:{relay.port}/to-secret", "refresh": f"http://127.0.0.1:{relay.port}/refresh",
             "v6_redirect": f"http://127.0.0.1:{relay.port}/to-v6",
             "mapped_redirect": f"http://127.0.0.1:{relay.port}/to-mapped",
             "v6_direct": f"http://[::1]:{sp}/v6-direct", "mapped_direct": f"http://[::ffff:127.0.0.1]:{sp}/m-direct"}
    def api_answer(path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        if path.startswith("/r/test/"):
            posts = [_post(n, url) for n, url in enumerate(links.values())]  # api_origin is added below
            body = {"kind": "Listing", "data": {"after": None, "children": posts}}
            return 200, [("Content-Type", "application/json")], json.dumps(body).encode()
        return _html(b"<html><body>" + SECRET + b" (the API's own host)</body></html>")

    api = _Server(api_answer)
    links["api_origin"] = f"http://127.0.0.1:{api.port}/page"
    hosts = tmp_path_factory.mktemp("hosts") / "hosts"
    hosts.write_text("127.0.0.1 news.example.com\n")
    servers = [secret, relay, api]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Web(secret, relay, api, links, hosts)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


# Every call of the socket module's resolver functions is appended to the file named by argv[1].
_RECORDING = (
    "import socket, sys\n"
    "_record = sys.argv.pop(1)\n"
    "def _wrap(name):\n"
    "    real = getattr(socket, name)\n"
    "    def call(host, *args, **kwargs):\n"
    "        with open(_record, 'a') as out:\n"
    "            out.write(f'{name} {host!r}\\n')\n"
    "        return real(host, *args, **kwargs)\n"
    "    setattr(socket, name, call)\n"
    "for _name in ('gethostbyname', 'gethostbyname_ex', 'getaddrinfo'):\n"
    "    _wrap(_name)\n"
)


@dataclass
class Crawl:
    done: subprocess.CompletedProcess[str]
    outcomes: dict[str, tuple[str, str | None]]
    summary: dict[str, Any]
    warc: bytes
    lookups: list[str]
    secret_requests: list[str]


def crawl(web: Web, out: Path, *flags: str) -> Crawl:
    """`webtext crawl run` over the listing (with the resolver functions recorded); the outcome of every link."""
    web.secret.requests.clear()
    record = out / "lookups.txt"
    record.touch()
    argv = crawl_command("run", "--store", str(out / "links.sqlite"), "--warc-dir", str(out / "warc"),
                         "--api-base", web.api_base, "--subreddit", "test", "--hosts-file", str(web.hosts),
                         "--summary", str(out / "summary.json"), *FAST, *flags)
    argv[1:3] = ["-c", _RECORDING + argv[2], str(record)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=240, cwd=out)
    assert done.returncode == 0, done.stderr[-4000:]
    with sqlite3.connect(out / "links.sqlite") as db:
        rows = {url: (status, reason) for url, status, reason in db.execute("SELECT url, status, reason FROM urls")}
    warc = b"".join(gzip.decompress(path.read_bytes()) for path in sorted((out / "warc").glob("*.warc.gz")))
    return Crawl(done, {name: rows[normalize_url(url)] for name, url in web.links.items()},
                 json.loads((out / "summary.json").read_text()), warc, record.read_text().splitlines(),
                 list(web.secret.requests))


@pytest.fixture(scope="module")
def refused(web: Web, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """The crawl without --allow-private; only the relay's own address is allowed."""
    return crawl(web, tmp_path_factory.mktemp("refused"), "--allow-address", f"127.0.0.1:{web.relay.port}")


REFUSED_LINKS = ["direct", "hosts_name", "redirect", "refresh", "v6_redirect", "mapped_redirect", "api_origin"]
# Posted IPv6 literals: refused as private, or skipped as `invalid_url` where the stored URL has lost
# its brackets; either way nothing is asked and the crawl goes on.
V6_LINKS = ["v6_direct", "mapped_direct"]


def test_secret_server_is_never_asked_without_permission(refused: Crawl) -> None:
    assert refused.secret_requests == []
    assert {name: refused.outcomes[name] for name in REFUSED_LINKS} == dict.fromkeys(
        REFUSED_LINKS, ("skipped", reasons.FETCH_PRIVATE_ADDRESS))
    for name in V6_LINKS:
        assert refused.outcomes[name] == ("skipped", reasons.FETCH_PRIVATE_ADDRESS)
    assert refused.summary["store"]["urls"].get("pending", 0) == 0
    assert SECRET not in refused.warc


def test_listing_api_is_still_reached_without_allow_private(refused: Crawl) -> None:
    assert refused.summary["links"]["kept"] == len(REFUSED_LINKS) + len(V6_LINKS)


def test_each_refusal_is_one_counted_log_line_without_traceback(web: Web, refused: Crawl) -> None:
    stderr = refused.done.stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if f"({reasons.FETCH_PRIVATE_ADDRESS})" in line]
    private = [name for name, outcome in refused.outcomes.items() if outcome[1] == reasons.FETCH_PRIVATE_ADDRESS]
    assert set(REFUSED_LINKS) <= set(private)
    for name in private:
        url = normalize_url(web.links[name])
        assert sum(url in line.split() for line in lines) == 1, (name, lines)
    assert len(lines) == len(private)
    assert refused.summary["pages"][f"skipped:{reasons.FETCH_PRIVATE_ADDRESS}"] == len(private)
    assert refused.summary["store"]["fetch_drops"][reasons.FETCH_PRIVATE_ADDRESS] == len(private)


def test_literal_addresses_are_never_looked_up(refused: Crawl) -> None:
    assert refused.lookups == []  # every host of this crawl is an IP literal or a hosts-file name


def test_allow_private_fetches_the_secret_server(web: Web, tmp_path: Path) -> None:
    result = crawl(web, tmp_path, "--allow-private")
    assert result.outcomes["direct"][0] == "fetched" and result.outcomes["hosts_name"][0] == "fetched"
    assert result.outcomes["redirect"][0] == "fetched" and result.outcomes["api_origin"][0] == "fetched"
    assert "/direct" in result.secret_requests and SECRET in result.warc


def test_allow_address_fetches_only_that_address_and_port(web: Web, tmp_path: Path) -> None:
    result = crawl(web, tmp_path, "--allow-address", f"127.0.0.1:{web.relay.port}", f"127.0.0.1:{web.secret.port}")
    for name in ("direct", "hosts_name", "redirect", "refresh"):
        assert result.outcomes[name][0] == "fetched", name
    assert result.outcomes["api_origin"] == ("skipped", reasons.FETCH_PRIVATE_ADDRESS)
    assert {"/direct", "/named", "/redirected", "/refreshed"} <= set(result.secret_requests)
    assert SECRET in result.warc


@pytest.mark.parametrize("host", LITERALS)
def test_literals_are_classified_without_a_lookup(host: str) -> None:
    address = literal_address(host)
    assert address is not None and not is_public(address)

    def lookup(name: str) -> defer.Deferred[str]:
        raise AssertionError(f"looked up {name!r}")

    resolver = GuardedResolver(lookup, {}, AddressGuard())
    received: list[Any] = []

    class Receiver:
        def resolutionBegan(self, resolution: Any) -> None:
            pass

        def addressResolved(self, resolved: Any) -> None:
            received.append(resolved)

        def resolutionComplete(self) -> None:
            received.append("complete")

    resolver.resolveHostName(Receiver(), host, 8080)
    assert received == ["complete"]  # refused: no address, and no lookup
    allowed = GuardedResolver(lookup, {}, AddressGuard(allow_private=True))
    received.clear()
    allowed.resolveHostName(Receiver(), host, 8080)
    assert len(received) == 2 and isinstance(received[0], (IPv4Address, IPv6Address))
    assert received[0].port == 8080


@pytest.mark.parametrize(("address", "public"), [
    ("2002:7f00:1::", False), ("2002:a00:1::", False), ("2002:808:808::1", True), ("64:ff9b::7f00:1", False),
    ("64:ff9b::808:808", True), ("::7f00:1", False), ("fec0::1", False), ("ff02::1", False), ("::", False),
    ("2606:4700::1111", True), ("224.0.0.1", False), ("8.8.8.8", True),
])
def test_embedded_and_reserved_addresses(address: str, public: bool) -> None:
    assert is_public(address) is public


@pytest.mark.parametrize(("entry", "parsed"), [("127.0.0.1:8080", ("127.0.0.1", 8080)), ("[::1]:80", ("::1", 80)),
                                               ("Intranet.Example:443", ("intranet.example", 443))])
def test_allow_address_entries(entry: str, parsed: tuple[str, int]) -> None:
    assert parse_allowed(entry) == parsed


@pytest.mark.parametrize("entry", ["127.0.0.1", "::1:80", "host:port", "host:0", "host:70000", ":80"])
def test_bad_allow_address_entries(entry: str) -> None:
    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_allowed(entry)


def test_bad_allow_address_is_one_error_line(tmp_path: Path) -> None:
    done = subprocess.run(crawl_command("pages", "--store", str(tmp_path / "s.sqlite"), "--allow-address", "nope"),
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip().splitlines()[-1].startswith("error: --allow-address")
    assert "Traceback" not in done.stderr and not (tmp_path / "s.sqlite").exists()

