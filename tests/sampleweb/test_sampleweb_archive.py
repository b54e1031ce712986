"""The sample web's archive host answers both CDX protocols and replays its captures, over HTTP."""

from __future__ import annotations

import http.client
import io
import json
from urllib.parse import urlencode

from webtext.core.document import Page
from webtext.crawl.warc.read import iter_warc
from webtext.sampleweb.archive import ARCHIVE_HOST, CC_DATA_PREFIX, CC_INDEX_PATH, CDX_PATH
from webtext.sampleweb.server import RunningSampleWeb

from tests.sampleweb.test_sampleweb_pages import fetch, of_kind


def archive_url(web: RunningSampleWeb, path: str, **query: str) -> str:
    return f"http://{ARCHIVE_HOST}:{web.port}{path}?{urlencode(query)}"


def test_the_wayback_index_lists_captures_and_sorts_them_by_distance(sample_web: RunningSampleWeb) -> None:
    truth = of_kind(sample_web, "archive_nearest")[0]
    every = json.loads(fetch(sample_web, archive_url(sample_web, CDX_PATH, url=truth.url, output="json")).read())
    assert every[0][:3] == ["urlkey", "timestamp", "original"]
    assert sorted(row[1] for row in every[1:]) == ["20161102093000", "20170201120000", "20170515080000",
                                                  "20170610141500", "20180301000000"]
    asked = archive_url(sample_web, CDX_PATH, url=truth.url, output="json", closest="20170520000000", sort="closest",
                        filter="statuscode:200", limit="2", fl="timestamp,statuscode")
    assert json.loads(fetch(sample_web, asked).read()) == [["timestamp", "statuscode"], ["20170610141500", "200"],
                                                           ["20170201120000", "200"]]
    none = archive_url(sample_web, CDX_PATH, url="http://nothing.test/", output="json")
    assert json.loads(fetch(sample_web, none).read()) == []


def test_a_capture_is_replayed_raw(sample_web: RunningSampleWeb) -> None:
    truth = of_kind(sample_web, "archive_nearest")[0]
    response = fetch(sample_web, truth.archive_source or "")
    assert response.status == 200 and truth.article_text.split("\n")[1][:30] in response.read().decode()


def test_the_common_crawl_index_points_at_warc_records_served_by_range(sample_web: RunningSampleWeb) -> None:
    truth = of_kind(sample_web, "archive_after_soft_404")[0]
    response = fetch(sample_web, archive_url(sample_web, CC_INDEX_PATH, url=truth.url, output="json",
                                             filter="=status:200"))
    lines = [json.loads(line) for line in response.read().decode().splitlines()]
    assert sorted(line["timestamp"] for line in lines) == ["20170110000000", "20170320000000"]
    line = next(line for line in lines if line["timestamp"] == "20170110000000")
    start, length = int(line["offset"]), int(line["length"])
    connection = http.client.HTTPConnection("127.0.0.1", sample_web.port, timeout=10)
    connection.request("GET", CC_DATA_PREFIX + line["filename"],
                       headers={"Host": ARCHIVE_HOST, "Range": f"bytes={start}-{start + length - 1}"})
    ranged = connection.getresponse()
    assert ranged.status == 206 and ranged.getheader("Content-Range", "").startswith(f"bytes {start}-")
    (page,) = iter_warc(io.BytesIO(ranged.read()), "range")
    assert isinstance(page, Page) and page.url == truth.url and page.fetched_at == "2017-01-10T00:00:00Z"
    missing = fetch(sample_web, archive_url(sample_web, CC_INDEX_PATH, url="http://nothing.test/", output="json"))
    assert missing.status == 404
