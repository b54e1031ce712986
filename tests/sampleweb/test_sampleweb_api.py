"""The sample web's Reddit listing API and dump files behave like Reddit's."""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import zstandard
from webtext.sampleweb.server import RunningSampleWeb, SampleWebServer, free_port
from webtext.sampleweb.site import build_site

UA = "linux:webtext-tests:0.1 (by /u/webtext)"


def get_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    request = urllib.request.Request(url, headers={"User-Agent": UA, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), dict(error.headers)


def test_listing_caps_limit_and_pages_with_after(sample_web: RunningSampleWeb) -> None:
    sub = sample_web.site.subreddits[0]
    expected = {p["id"] for p in sample_web.site.posts if p["subreddit"] == sub}
    seen: list[str] = []
    after = ""
    while True:
        status, body, headers = get_json(f"{sample_web.api_base}/r/{sub}/new.json?limit=500&after={after}")
        assert status == 200
        assert body["kind"] == "Listing"
        assert body["data"]["dist"] <= 100
        assert "X-Ratelimit-Remaining" in headers
        seen += [child["data"]["id"] for child in body["data"]["children"]]
        after = body["data"]["after"]
        if not after:
            break
    assert len(seen) == len(set(seen)) and set(seen) == expected
    created = [p["created_utc"] for p in sample_web.site.posts if p["id"] in set(seen[:5])]
    assert created, "new listing is not empty"


def test_listing_children_have_reddit_fields(sample_web: RunningSampleWeb) -> None:
    status, body, _ = get_json(f"{sample_web.api_base}/r/all/top.json?t=all&limit=3")
    assert status == 200 and body["data"]["dist"] == 3
    scores = [c["data"]["score"] for c in body["data"]["children"]]
    assert scores == sorted(scores, reverse=True)
    for child in body["data"]["children"]:
        assert child["kind"] == "t3"
        for name in ("id", "name", "score", "url", "is_self", "domain", "permalink", "created_utc",
                     "over_18", "stickied", "subreddit", "title", "num_comments", "removed_by_category"):
            assert name in child["data"]


def test_multireddit_and_before(sample_web: RunningSampleWeb) -> None:
    a, b = sample_web.site.subreddits[:2]
    _, first, _ = get_json(f"{sample_web.api_base}/r/{a}+{b}/new.json?limit=10")
    assert {c["data"]["subreddit"] for c in first["data"]["children"]} <= {a, b}
    _, second, _ = get_json(f"{sample_web.api_base}/r/{a}+{b}/new.json?limit=10&after={first['data']['after']}")
    _, back, _ = get_json(f"{sample_web.api_base}/r/{a}+{b}/new.json?limit=10&before={second['data']['before']}")
    assert [c["data"]["id"] for c in back["data"]["children"]] == [c["data"]["id"] for c in first["data"]["children"]]


def test_rate_limit_answers_429_when_pushed() -> None:
    site = build_site(port=free_port(), articles=5)
    with SampleWebServer(site, rate_budget=3):
        statuses = [get_json(f"{site.api_base}/r/all/new.json")[0] for _ in range(5)]
        _, _, headers = get_json(f"{site.api_base}/r/all/new.json")
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    assert headers["X-Ratelimit-Remaining"] == "0.0" and int(headers["X-Ratelimit-Reset"]) <= 60


def test_oauth_client_credentials_token(sample_web: RunningSampleWeb) -> None:
    basic = base64.b64encode(b"my-client:my-secret").decode()
    request = urllib.request.Request(f"{sample_web.api_base}/api/v1/access_token",
                                     data=b"grant_type=client_credentials", method="POST",
                                     headers={"Authorization": f"Basic {basic}", "User-Agent": UA})
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.load(response)
    assert token["token_type"] == "bearer"
    ok, _, _ = get_json(f"{sample_web.api_base}/r/all/new.json", {"Authorization": f"Bearer {token['access_token']}"})
    bad, _, _ = get_json(f"{sample_web.api_base}/r/all/new.json", {"Authorization": "Bearer forged"})
    assert (ok, bad) == (200, 401)


def test_dump_files_decompress_with_standard_reader(sample_web: RunningSampleWeb) -> None:
    ids = []
    for path in sample_web.dump_files:
        assert path.name.startswith("RS_2017-") and path.suffix == ".zst"
        reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(path.open("rb"))
        for line in io.TextIOWrapper(reader, encoding="utf-8"):
            post = json.loads(line)
            assert post["name"] == f"t3_{post['id']}"
            ids.append(post["id"])
    assert sorted(ids) == sorted(p["id"] for p in sample_web.site.posts)


def test_dump_needs_a_long_window(sample_web: RunningSampleWeb) -> None:
    frame = sample_web.dump_files[0].read_bytes()
    params = zstandard.get_frame_parameters(frame)
    assert params.window_size > 8 * 1024 * 1024  # zstd decoders refuse windows over 8 MiB by default


@pytest.mark.parametrize("seed", [0, 7])
def test_same_seed_gives_byte_identical_output(seed: int, tmp_path: Any) -> None:
    first, second = build_site(seed=seed, port=9000), build_site(seed=seed, port=9000)
    assert first.truth_json() == second.truth_json()
    assert [p.read_bytes() for p in first.dump_files(tmp_path / "a")] == \
        [p.read_bytes() for p in second.dump_files(tmp_path / "b")]
    assert {k: v.body for k, v in first.resources.items()} == {k: v.body for k, v in second.resources.items()}
    assert build_site(seed=seed + 1, port=9000).truth_json() != first.truth_json()


def test_eval_sets_are_seen_unseen_and_mixed(sample_web: RunningSampleWeb) -> None:
    texts = {}
    for spec in sample_web.eval_sets:
        name, path = spec.split("=", 1)
        texts[name] = [json.loads(line)["text"] for line in Path(path).read_text(encoding="utf-8").splitlines()]
    corpus = "\n".join(t.article_text for t in sample_web.truth.values() if t.kept)
    assert all(p in corpus for p in texts["seen"])
    assert not any(p in corpus for p in texts["unseen"])
    assert sum(p in corpus for p in texts["mixed"]) == len(texts["mixed"]) // 2
