"""Secrets stay out of everything the crawler writes, and so do credentials inside posted URLs.

A listing collection against the sample web's Reddit API is given a distinctive client secret or
bearer token by flag, by environment variable and by file; then every file the crawl wrote (link
store, WARC files, summaries, the exported manifest) and its stdout and stderr are searched for
the secret and the token. Posts whose URL carries `user:password@` are collected from the listing
and from dump files, and the password must appear nowhere while the URL is kept as posted.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from webtext.crawl.links.rules import strip_userinfo
from webtext.sampleweb.server import SampleWebServer, free_port
from webtext.sampleweb.site import build_site
from webtext.sampleweb.truth import UrlTruth

CrawlCli = Callable[..., subprocess.CompletedProcess[str]]
CrawlArgv = Callable[..., list[str]]

SECRET = "cs-Vq7TzR4pXw"  # the client secret: found nowhere
PASSWORD = "secretpass"  # the password inside posted URLs: found nowhere


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SampleWebServer, Path, list[str]]]:
    """A small sample web of plain articles, two posted with `user:secretpass@` (one kept, one a media drop).

    Yields the server, its hosts file and the two posted URLs with the userinfo removed.
    """
    site = build_site(seed=3, port=free_port(), articles=6)
    articles = [p for p in site.posts if _truth(site.truth, p["url"]) == "article"]
    site.posts[:] = articles
    kept, media = articles[0], dict(articles[1])
    kept["url"] = kept["url"].replace("://", f"://user:{PASSWORD}@", 1)
    media.update(id="zz9media", name="t3_zz9media", url=media["url"].replace("://", f"://u:{PASSWORD}@", 1) + ".jpg")
    site.posts.append(media)
    with SampleWebServer(site) as server:
        hosts = server.hosts_file(tmp_path_factory.mktemp("hosts") / "hosts")
        yield server, hosts, [strip_userinfo(kept["url"]), strip_userinfo(media["url"])]


def _truth(truth: dict[str, UrlTruth], url: str) -> str:
    entry = truth.get(url)
    return entry.kind if entry is not None and entry.fetched else ""


def issue_token(api_base: str, client_id: str) -> str:
    """A bearer token from the sample web's token endpoint (the one it then accepts)."""
    basic = base64.b64encode(f"{client_id}:x".encode()).decode()
    request = urllib.request.Request(f"{api_base}/api/v1/access_token", data=b"grant_type=client_credentials",
                                     headers={"Authorization": f"Basic {basic}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.load(answer)["access_token"])


def readable(path: Path) -> bytes:
    """The bytes of `path`, gzip members decompressed (WARC files are gzipped record by record)."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def leaks(directory: Path, streams: dict[str, str], needles: list[str]) -> list[str]:
    """Every file under `directory` and every stream that contains one of `needles`."""
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in files) and any(p.name.endswith("summary.json") for p in files)
    found = [f"{p.relative_to(directory)}: {n}" for p in files for n in needles if n.encode() in readable(p)]
    return found + [f"{name}: {n}" for name, text in streams.items() for n in needles if n in text]


def crawl_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBTEXT_REDDIT_")}
    return {**env, **extra}


@pytest.mark.slow
@pytest.mark.parametrize("way", ["flag", "env", "file"])
@pytest.mark.parametrize("kind", ["token", "client_secret"])
def test_no_secret_or_token_in_anything_the_crawl_writes(
        api: tuple[SampleWebServer, Path, list[str]], crawl_argv: CrawlArgv, fast: list[str], tmp_path: Path,
        way: str, kind: str) -> None:
    server, hosts, _ = api
    client_id = f"cid-{kind}-{way}"
    if kind == "token":
        token = issue_token(server.site.api_base, client_id)
        value, needles, args = token, [token], []
    else:
        value, needles, args = SECRET, [SECRET, f"sample-{client_id}-"], ["--client-id", client_id]
    flag = "--" + kind.replace("_", "-")
    env = crawl_env()
    if way == "flag":
        args += [flag, value]
    elif way == "env":
        env[f"WEBTEXT_REDDIT_{kind.upper()}"] = value
    else:
        secret_file = tmp_path / "secret" / kind
        secret_file.parent.mkdir()
        secret_file.write_text(value + "\n")
        args += [flag + "-file", str(secret_file)]
    out = tmp_path / "out"
    run = subprocess.run(crawl_argv("run", "--store", str(out / "links.sqlite"), "--warc-dir", str(out / "warc"),
                                    "--api-base", server.site.api_base, "--subreddit", *server.site.subreddits,
                                    "--sort", "new", "--hosts-file", str(hosts), "--allow-private", *fast, *args),
                         capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert list((out / "warc").glob("*.warc.gz"))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["links"][kind] == "<set>"  # read from where it was given, and hidden
    assert summary["links"]["kept"] >= 5
    posts = summary["scrapy"]["webtext-links"].get("downloader/request_method_count/POST", 0)
    assert posts == (kind == "client_secret")  # the client-credentials flow ran only with a secret
    export = subprocess.run(crawl_argv("links", "export", "--store", str(out / "links.sqlite"),
                                       str(out / "urls.jsonl")),
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False)
    assert export.returncode == 0, export.stderr
    assert leaks(out, {"stdout": run.stdout, "stderr": run.stderr}, needles) == []


@pytest.mark.slow
def test_scrapy_debug_log_of_the_spider_shows_no_secret(
        api: tuple[SampleWebServer, Path, list[str]], tmp_path: Path) -> None:
    """`scrapy crawl` (as scrapyd runs it) at DEBUG, the secret in a file and the token in the environment."""
    server, _, _ = api
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    token = issue_token(server.site.api_base, "debug-token")
    scrapy = Path(sys.executable).with_name("scrapy")
    runs = {"file": (["-a", f"client_secret_file={secret_file}", "-a", "client_id=debug-cid"], {}),
            "env": ([], {"WEBTEXT_REDDIT_TOKEN": token}),
            "refused": ([], {"WEBTEXT_REDDIT_TOKEN": "not-issued"})}  # shows the variable is read
    for name, (args, extra) in runs.items():
        out = tmp_path / name
        out.mkdir()
        done = subprocess.run([str(scrapy), "crawl", "webtext-links", "-a", f"store={out / 'links.sqlite'}",
                               "-a", f"api_base={server.site.api_base}", "-a", "subreddits=all", "-a", "sort=new",
                               *args, "-s", "LOG_LEVEL=DEBUG", "-s", "WEBTEXT_ALLOW_PRIVATE=True"],
                              capture_output=True, text=True, timeout=300, cwd=out, check=False,
                              env=crawl_env(SCRAPY_SETTINGS_MODULE="webtext.crawl.spiders.settings", **extra))
        assert done.returncode == 0, done.stderr[-3000:]
        assert "DEBUG: Crawled (" in done.stderr  # the DEBUG log is there
        with sqlite3.connect(out / "links.sqlite") as db:
            posts = db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
        if name == "refused":
            assert "Spider closed (api_error)" in done.stderr and posts == 0
            continue
        assert "Spider closed (finished)" in done.stderr and posts >= 5
        assert ("'downloader/request_method_count/POST': 1" in done.stderr) == (name == "file")
        found = [n for n in (SECRET, token, "sample-debug-cid-") if n in done.stdout + done.stderr]
        found += [f"{p.name}: {n}" for p in out.rglob("*") if p.is_file()
                  for n in (SECRET, token, "sample-debug-cid-") if n.encode() in p.read_bytes()]
        assert found == [], name


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read --client-secret-file"),
    ("", "--client-secret-file is empty"),
    ("\n  \n", "--client-secret-file is empty"),
])
def test_a_bad_secret_file_is_one_error_line(crawl_cli: CrawlCli, tmp_path: Path, content: str | None,
                                             message: str) -> None:
    secret = tmp_path / "secret"
    if content is not None:
        secret.write_text(content)
    done = crawl_cli("links", "--store", str(tmp_path / "links.sqlite"), "--api-base", "http://127.0.0.1:9",
                     "--subreddit", "all", "--client-id", "x", "--client-secret-file", str(secret), check=False)
    assert done.returncode == 2
    shown = done.stderr.strip().splitlines()
    assert len(shown) == 1 and shown[0].startswith("error: ") and message in shown[0], shown
    assert not (tmp_path / "links.sqlite").exists()


def test_a_secret_given_twice_is_one_error_line(crawl_cli: CrawlCli, tmp_path: Path) -> None:
    (tmp_path / "token").write_text("abc")
    done = crawl_cli("links", "--store", str(tmp_path / "links.sqlite"), "--api-base", "http://127.0.0.1:9",
                     "--subreddit", "all", "--token", "abc", "--token-file", str(tmp_path / "token"), check=False)
    assert done.returncode == 2
    shown = done.stderr.strip().splitlines()
    assert len(shown) == 1 and shown[0].startswith("error: ") and "--token or --token-file" in shown[0], shown


@pytest.mark.parametrize(("posted", "stripped"), [
    ("http://user:pass@example.com/a", "http://example.com/a"),
    ("HTTPS://User@Example.COM:8443/P/../q?b=2&a=1#frag", "HTTPS://Example.COM:8443/P/../q?b=2&a=1#frag"),
    ("http://u:p@w@example.com/x@y?z=@", "http://example.com/x@y?z=@"),
    ("  http://u:p@example.com", "  http://example.com"),
    ("http://example.com/path@x?q=a@b#c@d", "http://example.com/path@x?q=a@b#c@d"),
    ("http://example.com?", "http://example.com?"),
    ("mailto:someone@example.com", "mailto:someone@example.com"),
    ("not a url @ all", "not a url @ all"),
])
def test_strip_userinfo_changes_nothing_else(posted: str, stripped: str) -> None:
    assert strip_userinfo(posted) == stripped


@pytest.mark.slow
def test_credentials_in_posted_urls_are_stored_and_exported_without_them(
        api: tuple[SampleWebServer, Path, list[str]], crawl_argv: CrawlArgv, fast: list[str],
        tmp_path: Path) -> None:
    server, hosts, expected = api
    out = tmp_path / "out"
    dumps = server.site.dump_files(tmp_path / "dumps")
    base = ["--hosts-file", str(hosts), "--allow-private", *fast]
    runs = [["run", "--store", str(out / "api.sqlite"), "--summary", str(out / "api-summary.json"),
             "--warc-dir", str(out / "warc-api"), "--api-base", server.site.api_base,
             "--subreddit", *server.site.subreddits, "--sort", "new", *base],
            ["run", "--store", str(out / "dump.sqlite"), "--summary", str(out / "dump-summary.json"),
             "--warc-dir", str(out / "warc-dump"), "--dump", *map(str, dumps), *base]]
    streams = {}
    for number, args in enumerate(runs):
        done = subprocess.run(crawl_argv(*args), capture_output=True, text=True, timeout=300, cwd=tmp_path,
                              env=crawl_env(), check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        streams.update({f"stdout {number}": done.stdout, f"stderr {number}": done.stderr})
    for name in ("api", "dump"):
        store = out / f"{name}.sqlite"
        with sqlite3.connect(store) as db:
            posted = {row[0] for row in db.execute("SELECT posted_url FROM posts UNION ALL "
                                                   "SELECT posted_url FROM dropped_posts")}
            assert set(expected) <= posted
            fetched = db.execute("SELECT COUNT(*) FROM urls WHERE status='fetched'").fetchone()[0]
            assert fetched >= 5
        for fmt in ("jsonl", "parquet"):
            done = subprocess.run(crawl_argv("links", "export", "--all", "--store", str(store), "--format", fmt,
                                             str(out / f"{name}.{fmt}")),
                                  capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
            assert done.returncode == 0, done.stderr
        rows = pq.read_table(out / f"{name}.parquet").to_pylist()
        assert sum(row["status"] == "fetched" for row in rows) == fetched
        streams[f"{name}.parquet"] = json.dumps(rows)
    assert leaks(out, streams, [PASSWORD]) == []
