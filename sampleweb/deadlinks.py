"""The sample web's dead links and what its web archive holds of them (`sampleweb/archive.py`).

`add_archive_cases` serves the live side of each dead link (a 404, a 410, a redirect to a
domain-sale page, or nothing at all for hosts that do not resolve or refuse connections), puts its
captures among the archive host's resources, posts it in a known month and records which capture
the crawl should keep, by the rules of `webtext.crawl.spiders.archive`: the nearest to the post
that answered 200 and is not a soft 404.
"""

from __future__ import annotations

from webtext.core import reasons as r
from webtext.sampleweb import archive
from webtext.sampleweb.builder import Article, Builder
from webtext.sampleweb.cases import HOSTS, article_truth
from webtext.sampleweb.resources import Resource, not_found, redirect
from webtext.sampleweb.templates import Chrome


def _capture_article(b: Builder, host: str, path: str, timestamp: str, month: int) -> tuple[Article, str]:
    """A capture of an article at host+path taken at `timestamp`: (the article, the capture's replay URL)."""
    article = b.article()
    url = b.serve_article(host, path, article, month)
    replay = archive.replay_path(timestamp, url)
    b.resources[(archive.ARCHIVE_HOST, replay)] = b.resources.pop((host, path))
    return article, b.url(archive.ARCHIVE_HOST, replay)


def _soft_404(b: Builder, url: str, timestamp: str, site: str) -> None:
    """A capture of `url` that is a "not found" page served with 200 (a soft 404)."""
    page = (f"<html><head><title>Page not found | {site}</title></head><body><h1>Sorry, we could not find "
            "that page</h1><p>The story may have moved. Try the search box or the front page.</p></body></html>")
    b.resources[(archive.ARCHIVE_HOST, archive.replay_path(timestamp, url))] = Resource(body=page.encode())


def add_archive_cases(b: Builder) -> None:
    """Dead links and their captures in the sample web's archive (`sampleweb/archive.py`).

    Each link is posted in a known month, so which capture is nearest its post is known: one gone
    (410) with four captures that answered 200 at different dates and a nearer one that answered
    404; one gone (404) whose nearest capture is a soft 404 and the next one the article; one whose
    host no longer resolves with only a soft 404 captured; an expired domain redirecting to a
    domain-sale page; a host that refuses connections; and a live article with an older capture
    (what `--archive always` fetches instead). The existing 404 case has no capture at all.
    """
    for host, name in ((archive.DEAD_HOST, "Closed Press"), (archive.REFUSED_HOST, "Shut Shop"),
                       ("www.expired-blog.test", "Expired Blog")):
        b.chromes[host] = Chrome(name, "news")
    gone, renamed = HOSTS[12], HOSTS[13]
    captured = {stamp: _capture_article(b, gone, "/2016/moved-story.html", stamp, 5)
                for stamp in ("20161102093000", "20170201120000", "20170610141500", "20180301000000")}
    article, replay = captured["20170610141500"]  # 12 to 40 days after the post, the others 89 days or more
    url = b.url(gone, "/2016/moved-story.html")
    b.resources[(archive.ARCHIVE_HOST, archive.replay_path("20170515080000", url))] = not_found()
    b.resources[(gone, "/2016/moved-story.html")] = Resource(status=410, body=b"<html><body>Gone</body></html>")
    _archived(b, url, "archive_nearest", 5, article, gone, r.http_error(410), replay, "2017-06-10T14:15:00Z")

    article, replay = _capture_article(b, renamed, "/2017/03/renamed.html", "20170110000000", 3)
    url = b.url(renamed, "/2017/03/renamed.html")
    _soft_404(b, url, "20170320000000", b.chromes[renamed].site)
    b.resources[(renamed, "/2017/03/renamed.html")] = not_found()
    _archived(b, url, "archive_after_soft_404", 3, article, renamed, r.http_error(404), replay,
              "2017-01-10T00:00:00Z")

    url = b.url(archive.DEAD_HOST, "/2017/08/last-issue.html")
    _soft_404(b, url, "20170801000000", "Closed Press")
    b.record(url, "archive_soft_404", [b.post(url, 25, "The last issue", 8)], live_drop=r.FETCH_DNS_ERROR,
             fetch_drop=r.ARCHIVE_SOFT_404)

    expired = "www.expired-blog.test"
    article, replay = _capture_article(b, expired, "/2017/07/launch-notes.html", "20170705000000", 7)
    url = b.url(expired, "/2017/07/launch-notes.html")
    b.resources[(expired, "/2017/07/launch-notes.html")] = redirect(
        b.url(archive.PARKING_HOST, "/domain_profile.cfm?d=expired-blog.test"), 302)
    b.resources[(archive.PARKING_HOST, "/domain_profile.cfm")] = Resource(body=(
        b"<html><head><title>expired-blog.test is for sale</title></head><body><h1>This domain is for sale"
        b"</h1><p>Buy now with a payment plan.</p></body></html>"))
    _archived(b, url, "archive_parked", 7, article, expired, r.FETCH_PARKED_DOMAIN, replay, "2017-07-05T00:00:00Z")

    article, replay = _capture_article(b, archive.REFUSED_HOST, "/2017/09/closing-sale.html", "20170915000000", 9)
    url = b.url(archive.REFUSED_HOST, "/2017/09/closing-sale.html")
    _archived(b, url, "archive_refused", 9, article, archive.REFUSED_HOST, r.FETCH_CONNECTION_ERROR, replay,
              "2017-09-15T00:00:00Z")

    live = HOSTS[14]
    _capture_article(b, live, "/2017/04/still-here.html", "20161201000000", 4)
    article = b.article()
    url = b.serve_article(live, "/2017/04/still-here.html", article, 4)
    b.record(url, "archived_live", [b.post(url, 40, article.title, 4)], final_url=url,
             **article_truth(b, live, article))


def _archived(b: Builder, url: str, kind: str, month: int, article: Article, host: str, live_drop: str,
              replay: str, archive_time: str) -> None:
    """Post `url` in `month` and record that the archive supplies `article` from the capture at `replay`."""
    b.record(url, kind, [b.post(url, b.rng.randrange(10, 90), article.title, month)], final_url=url,
             live_drop=live_drop, archive_time=archive_time, archive_source=replay,
             **article_truth(b, host, article))
