"""The sample web's HTTP server: the listing API and every page host, on 127.0.0.1.

One threaded server answers for all hosts and routes by the `Host` header: a page host's name
serves its pages and `robots.txt`; the archive host (`archive.ARCHIVE_HOST`) its CDX indexes,
its WARC file and, as pages, its captures' replays; any other name (`127.0.0.1`, `localhost`)
serves the Reddit listing API, the OAuth token endpoint and the dump files under `/dumps/`. Page
hosts resolve to 127.0.0.1 through the hosts file that `hosts_file` writes (give it to the crawler
with `--hosts-file`), except the dead host that refuses connections (`archive.REFUSED_HOST`).
Delays run in the request's own thread, so a slow host never blocks the others.

`write_files` writes a site's files (dumps, hosts file, evaluation sets, truth.json);
`start_sample_web` writes them and serves the site. `generate` and `serve` are the bodies of
`webtext sampleweb generate|serve`.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from webtext.core.atomic import atomic_write
from webtext.sampleweb.archive import (
    ARCHIVE_HOST,
    CC_DATA_PREFIX,
    CC_INDEX_PATH,
    CDX_PATH,
    REFUSED_ADDRESS,
    REFUSED_HOST,
    SampleArchive,
    archive_flags,
)
from webtext.sampleweb.builder import SITE_NAMES
from webtext.sampleweb.listing import RateLimiter, TokenIssuer, encode, listing
from webtext.sampleweb.settings import ServeSettings, SiteSettings
from webtext.sampleweb.site import DEFAULT_PORT, Site, build_site
from webtext.sampleweb.truth import UrlTruth


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the crawler opens dozens of connections at once
    allow_reuse_address = True
    site: Site
    hosts: frozenset[str]  # the site's hosts, gathered once: `Site.hosts` walks every resource
    limiter: RateLimiter
    tokens: TokenIssuer
    dumps: dict[str, bytes]
    archive: SampleArchive

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (the crawler's timeouts) are normal here, not errors."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "sampleweb/1.0"
    # Buffered: a response's head and body leave in one send (the handler flushes after each
    # request) instead of two. Two sends cost a system call and a segment more, and Nagle's
    # algorithm held the body back until the client acknowledged the head (a delayed ACK: up to
    # 40 ms a page). A body larger than the buffer is written straight through.
    wbufsize = 1 << 16

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request logging."""

    def handle_expect_100(self) -> bool:
        """Send "100 Continue" at once: the client waits for it before it sends the body."""
        answered = super().handle_expect_100()
        self.wfile.flush()
        return answered

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            with contextlib.suppress(ConnectionError):
                self.wfile.write(body)

    def _json(self, status: int, body: dict[str, Any], extra: list[tuple[str, str]] | None = None) -> None:
        self._send(status, [("Content-Type", "application/json; charset=UTF-8"), *(extra or [])], encode(body))

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        host = self.headers.get("Host", "").rsplit(":", 1)[0].lower()
        site = self.server.site
        parts = urlsplit(self.path)
        if host == ARCHIVE_HOST and (parts.path in (CDX_PATH, CC_INDEX_PATH) or parts.path.startswith(CC_DATA_PREFIX)):
            self._send(*self.server.archive.answer(parts.path, parts.query, self.headers.get("Range", "")))
        elif host in self.server.hosts:
            self._page(host, parts.path)
        elif parts.path.startswith("/r/") and parts.path.endswith(".json"):
            self._listing(parts.path, parts.query)
        elif parts.path.startswith("/dumps/") and parts.path[7:] in self.server.dumps:
            self._send(200, [("Content-Type", "application/zstd")], self.server.dumps[parts.path[7:]])
        elif parts.path == "/":
            self._json(200, {"subreddits": list(site.subreddits), "dumps": sorted(self.server.dumps)})
        else:
            self._json(404, {"message": "Not Found", "error": 404})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0) or 0)
        self.rfile.read(length)
        auth = self.headers.get("Authorization", "")
        if urlsplit(self.path).path != "/api/v1/access_token" or not auth.startswith("Basic "):
            self._json(401, {"message": "Unauthorized", "error": 401})
            return
        client_id = base64.b64decode(auth[6:]).decode("utf-8", "replace").split(":", 1)[0]
        self._json(200, self.server.tokens.issue(client_id))

    def _page(self, host: str, path: str) -> None:
        site = self.server.site
        resource = site.robots_txt(host) if path == "/robots.txt" else site.resource(host, path)
        if resource is None:
            self._send(404, [("Content-Type", "text/html")], b"<html><body>Not Found</body></html>")
            return
        if resource.delay:
            time.sleep(resource.delay)
        self._send(resource.status, resource.headers(), resource.payload())

    def _listing(self, path: str, query: str) -> None:
        if not self.headers.get("User-Agent"):
            self._json(403, {"message": "Forbidden: set a User-Agent", "error": 403})
            return
        if not self.server.tokens.valid(self.headers.get("Authorization", "")):
            self._json(401, {"message": "Unauthorized", "error": 401})
            return
        client = self.headers.get("Authorization") or self.client_address[0]
        allowed, headers = self.server.limiter.take(client)
        if not allowed:
            self._json(429, {"message": "Too Many Requests", "error": 429}, headers)
            return
        pieces = path[3:-5].split("/")  # /r/{sub}/{sort}.json
        sort = pieces[1] if len(pieces) == 2 else "hot"
        status, body = listing(self.server.site.posts, self.server.site.now, pieces[0], sort, query)
        self._json(status, body, headers)


class SampleWebServer:
    """Serve `site` on 127.0.0.1:site.port in a background thread (a context manager)."""

    def __init__(self, site: Site, rate_budget: int = 600, rate_window: float = 60.0) -> None:
        self.site = site
        self._server = _Server(("127.0.0.1", site.port), _Handler)
        self._server.site = site
        self._server.hosts = frozenset(site.hosts)
        self._server.limiter = RateLimiter(rate_budget, rate_window)
        self._server.tokens = TokenIssuer()
        self._server.dumps = {}
        self._server.archive = SampleArchive(site.resources)
        self._thread = threading.Thread(target=self._server.serve_forever, name="sampleweb", daemon=True)

    def publish_dumps(self, paths: list[Path]) -> None:
        """Serve the given dump files under /dumps/<name>."""
        self._server.dumps.update({p.name: p.read_bytes() for p in paths})

    def hosts_file(self, path: str | Path) -> Path:
        """Write a hosts(5) file resolving every page host to 127.0.0.1."""
        return write_hosts_file(self.site, path)

    def start(self) -> SampleWebServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SampleWebServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _trace: TracebackType | None) -> None:
        self.stop()


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SampleWebFiles:
    """A generated sample web and the files written for it."""

    site: Site
    directory: Path
    hosts_file: Path
    dump_files: list[Path]
    eval_sets: list[str]  # NAME=PATH specs of the evaluation sets written beside the dumps


def write_hosts_file(site: Site, path: str | Path) -> Path:
    """Write a hosts(5) file resolving every page host of `site` to 127.0.0.1 (the dead host that
    refuses connections to an address where nothing listens)."""
    with atomic_write(path, "w") as handle:
        handle.write("# sample web page hosts\n")
        handle.writelines(f"127.0.0.1 {host}\n" for host in site.hosts)
        handle.write(f"{REFUSED_ADDRESS} {REFUSED_HOST}\n")
    return Path(path)


def write_files(site: Site, directory: str | Path) -> SampleWebFiles:
    """Write the dump files, the hosts file, the evaluation sets and truth.json of `site` to `directory`."""
    out = Path(directory)
    dumps = site.dump_files(out / "dumps")
    hosts = write_hosts_file(site, out / "hosts")
    eval_sets = site.eval_sets(out / "evalsets")
    with atomic_write(out / "truth.json", "w") as handle:
        handle.write(site.truth_json())
    return SampleWebFiles(site=site, directory=out, hosts_file=hosts, dump_files=dumps, eval_sets=eval_sets)


def generate(settings: SiteSettings) -> SampleWebFiles:
    """`webtext sampleweb generate`: the site of `settings`, written without serving it."""
    return write_files(build_site(seed=settings.seed, port=settings.port, articles=settings.articles), settings.out)


@dataclass
class RunningSampleWeb(SampleWebFiles):
    """A started sample web with its files on disk: what tests and the demo use."""

    server: SampleWebServer

    @property
    def api_base(self) -> str:
        return self.site.api_base

    @property
    def port(self) -> int:
        return self.site.port

    @property
    def archive_flags(self) -> list[str]:
        """`webtext crawl` flags that look dead links up in this sample web's archive."""
        return archive_flags(self.site.port)

    @property
    def truth(self) -> dict[str, UrlTruth]:
        return self.site.truth

    def stop(self) -> None:
        self.server.stop()


def start_sample_web(directory: str | Path, seed: int = 0, articles: int = 120,
                     port: int | None = DEFAULT_PORT, timeout_delay: float = 8.0,
                     rate_budget: int = 600, sites: int = len(SITE_NAMES)) -> RunningSampleWeb:
    """Generate the site, write its files to `directory` (`write_files`), and serve it.

    `port=None` (or 0) picks a free port (tests); the default is the fixed demo port. `sites`:
    how many article sites the articles spread over (`build_site`).
    """
    site = build_site(seed=seed, port=port or free_port(), articles=articles, timeout_delay=timeout_delay,
                      sites=sites)
    files = write_files(site, directory)
    server = SampleWebServer(site, rate_budget=rate_budget)
    server.publish_dumps(files.dump_files)
    server.start()
    return RunningSampleWeb(**vars(files), server=server)


def serve(settings: ServeSettings) -> RunningSampleWeb:
    """`webtext sampleweb serve`: the site of `settings`, written and served until stopped."""
    return start_sample_web(settings.out, seed=settings.seed, articles=settings.articles, port=settings.port,
                            timeout_delay=settings.timeout_delay)
