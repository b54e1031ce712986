"""The pages of the sample web: ordinary articles and every awkward case a real crawl meets.

Each `add_*` function serves its pages, posts the links on Reddit and records the ground truth,
naming the stage and reason that should drop each URL (`webtext.core.reasons`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from webtext.core import reasons as r
from webtext.sampleweb.builder import SITE_NAMES, SLOW_SITE, Article, Builder, host_of, slug
from webtext.sampleweb.resources import Resource, gzip_bomb, large_page, not_found, redirect
from webtext.sampleweb.templates import Chrome, render_article, render_link_list, render_wiki

ROBOTS_HOST = host_of(SITE_NAMES[0])
WIKI_MIRROR = "wikimirror.test"
ROBOTS_DOWN_SITE = "Status Board"  # its robots.txt answers 503: the whole host is off limits
ROBOTS_GONE_SITE = "Moved Desk"  # its robots.txt answers 404: no rules, everything allowed
SLOW_DELAY = 0.5
# The robots host answers its robots.txt this late, so that its pages' requests wait for the rules
# together (several waiters on one host's robots.txt, as on any busy crawl).
ROBOTS_DELAY = 0.3
HOSTS = [host_of(name) for name in SITE_NAMES]

# Non-English paragraphs for the character-encoding cases (written for this sample).
FRENCH = ("Les élèves du lycée ont présenté leurs travaux à la fête de la science : une étude "
          "détaillée des réseaux, des modèles et des données, accompagnée d'un glossaire illustré.")
RUSSIAN = ("Студенты подготовили подробный доклад о компьютерных сетях, языковых моделях и "
           "обработке текстов, а также краткий словарь основных терминов для начинающих.")


def article_truth(b: Builder, host: str, article: Article) -> dict[str, object]:
    """The ground truth of an article page on `host`: its title, text and the host's boilerplate."""
    return {"title": article.title, "article_text": article.text,
            "boilerplate": b.chromes[host].snippets()}


def add_articles(b: Builder, count: int, hosts: list[str] | None = None) -> list[tuple[str, Article, str]]:
    """Ordinary articles, one post each (some posted twice), spread over `hosts` (default `HOSTS`) in
    turn: (url, article, host) for each."""
    made = []
    slow_host = host_of(SLOW_SITE)
    hosts = hosts or HOSTS
    for index in range(count):
        host = slow_host if index % 30 == 7 else hosts[index % len(hosts)]
        month = 1 + index % 12
        article = b.article()
        path = f"/2017/{month:02d}/{slug(article.title)}.html"
        url = b.serve_article(host, path, article, month)
        if host == slow_host:
            b.resources[(host, path)] = dataclasses.replace(b.resources[(host, path)], delay=SLOW_DELAY)
        posts = [b.post(url, b.rng.randrange(5, 90), article.title, month)]
        kind = "slow" if host == slow_host else "article"
        if index % 10 == 3:  # the same page posted again with tracking parameters
            again = url + "?utm_source=reddit&utm_medium=social&fbclid=IwAR0x"
            posts.append(b.post(again, b.rng.randrange(3, 5), article.title, month))
            b.record(again, "tracking_variant", posts, final_url=url, **article_truth(b, host, article))
        b.record(url, kind, posts, final_url=url, **article_truth(b, host, article))
        made.append((url, article, host))
    return made


def add_duplicates(b: Builder, originals: list[tuple[str, Article, str]]) -> None:
    """Exact copies (same text, other URL) and syndicated near-copies (edited, other site)."""
    for index, (url, article, host) in enumerate(originals[:8]):
        near = index % 2 == 1
        copy_host = HOSTS[(HOSTS.index(host) + 5) % len(HOSTS)] if host in HOSTS else HOSTS[1]
        if near:
            edited = list(article.paragraphs)
            words = edited[1].split()
            words[len(words) // 2] = "notably"
            edited[1] = " ".join(words)
            edited.append(f"This story originally appeared on {b.chromes[host].site} and is "
                          "republished here with permission.")
            copy = Article(article.title, edited)
            path = f"/syndicated/{slug(article.title)}.html"
        else:
            copy = article  # the same page on another site of the same layout: identical extracted text
            copy_host = next(h for h in HOSTS[HOSTS.index(host) + 1:] + HOSTS
                             if h != host and b.chromes[h].layout == b.chromes[host].layout)
            path = f"/mirror/{slug(article.title)}.html"
        copy_url = b.serve_article(copy_host, path, copy, 6)
        post = b.post(copy_url, b.rng.randrange(3, 5), copy.title)  # originals score 5 or more
        b.record(copy_url, "syndicated_copy" if near else "exact_copy", [post], final_url=copy_url,
                 duplicate_of=url, dedup_drop=r.DEDUP_NEAR if near else r.DEDUP_EXACT,
                 **article_truth(b, copy_host, copy))


def add_link_cases(b: Builder) -> None:
    """Posts whose links the collector must filter, one disqualifying property each."""
    host = HOSTS[2]
    for score in (0, 1, 2):
        article = b.article()
        url = b.serve_article(host, f"/low/{slug(article.title)}.html", article, 3)
        b.record(url, "below_threshold", [b.post(url, score, article.title)], link_drop=r.LINK_BELOW_THRESHOLD)
    article = b.article()  # 2 + 2 karma: kept only when scores are summed over submissions
    url = b.serve_article(host, f"/sum/{slug(article.title)}.html", article, 4)
    posts = [b.post(url, 2, article.title), b.post(url, 2, article.title)]
    b.record(url, "sum_scores", posts, link_drop=r.LINK_BELOW_THRESHOLD, final_url=url,
             **article_truth(b, host, article))
    flagged: list[tuple[dict[str, Any], str, str]] = [
        ({"over_18": True}, "nsfw", r.LINK_NSFW),
        ({"removed_by_category": "moderator"}, "removed", r.LINK_REMOVED),
        ({"removed_by_category": "deleted", "author": "[deleted]"}, "deleted", r.LINK_REMOVED),
        ({"stickied": True}, "stickied", r.LINK_STICKIED)]
    for fields, kind, reason in flagged:
        article = b.article()
        url = b.serve_article(host, f"/{kind}/{slug(article.title)}.html", article, 5)
        b.record(url, kind, [b.post(url, b.rng.randrange(10, 50), article.title, 5, **fields)],
                 link_drop=reason)
    for index in range(3):
        post = b.post("", b.rng.randrange(10, 90), f"Ask the community, question {index}", is_self=True,
                      selftext="What do you all think about this? Long discussion inside.")
        post["url"] = "https://www.reddit.com" + post["permalink"]
        post["domain"] = f"self.{post['subreddit']}"
        b.record(post["url"], "self_post", [post], link_drop=r.LINK_SELF_POST)
    linked = [("https://www.reddit.com/r/python/comments/5abc12/a_great_thread/", r.LINK_REDDIT),
              ("https://redd.it/5abc34", r.LINK_REDDIT), ("https://i.redd.it/x9k2m1p0q.jpg", r.LINK_REDDIT),
              ("https://v.redd.it/k2j3h4g5", r.LINK_REDDIT),
              ("http://img.pixhost.test/photos/cat.jpg", r.LINK_MEDIA),
              ("http://media.clipshare.test/v/launch.mp4", r.LINK_MEDIA),
              ("http://files.docstore.test/papers/report.pdf", r.LINK_MEDIA),
              ("http://downloads.toolbox.test/release-1.2.zip", r.LINK_MEDIA),
              ("https://en.wikipedia.org/wiki/Python_(programming_language)", r.LINK_WIKIPEDIA),
              ("https://de.m.wikipedia.org/wiki/Berlin", r.LINK_WIKIPEDIA)]
    for url, reason in linked:
        b.record(url, reason, [b.post(url, b.rng.randrange(10, 90), f"Link to {url.split('/')[2]}")],
                 link_drop=reason)


def _fetch_case(b: Builder, host: str, path: str, resource: Resource, kind: str, drop: str) -> None:
    b.resources[(host, path)] = resource
    url = b.url(host, path)
    b.record(url, kind, [b.post(url, b.rng.randrange(10, 90), f"Story: {kind}")], fetch_drop=drop)


def add_fetch_cases(b: Builder, timeout_delay: float) -> None:
    """Links the fetcher must refuse or fail on, each with its reason."""
    b.resources[(ROBOTS_HOST, "/robots.txt")] = Resource(content_type="text/plain", delay=ROBOTS_DELAY,
                                                         body=b"User-agent: *\nDisallow: /private/\n")
    article = b.article()
    b.serve_article(ROBOTS_HOST, "/private/members-only.html", article, 2)
    url = b.url(ROBOTS_HOST, "/private/members-only.html")
    b.record(url, "robots", [b.post(url, 40, article.title)], fetch_drop=r.FETCH_ROBOTS)
    host = HOSTS[3]
    _fetch_case(b, host, "/loop/start", redirect(b.url(host, "/loop/next"), 302), "redirect_loop",
                r.FETCH_REDIRECT_LOOP)
    b.resources[(host, "/loop/next")] = redirect(b.url(host, "/loop/start"), 302)
    _fetch_case(b, host, "/gone/old-story.html", not_found(), "http_404", r.http_error(404))
    _fetch_case(b, host, "/broken/server-error.html",
                Resource(status=500, body=b"<html><body>Internal Server Error</body></html>"), "http_500",
                r.http_error(500))
    _fetch_case(b, host, "/wait/forever.html", Resource(body=b"<html><body>late</body></html>",
                                                       delay=timeout_delay), "timeout", r.FETCH_TIMEOUT)
    big = render_article(b.chromes[host], "A very long page", b.article().paragraphs, [], "2017-07-01")
    _fetch_case(b, host, "/huge/page.html", Resource(make_body=large_page(big)), "too_large", r.FETCH_TOO_LARGE)
    _fetch_case(b, host, "/bomb/page.html", Resource(body=gzip_bomb(), extra_headers=(("Content-Encoding", "gzip"),)),
                "gzip_bomb", r.FETCH_TOO_LARGE)
    _fetch_case(b, host, "/files/quarterly-report", Resource(content_type="application/pdf",
                                                            body=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
                "not_html_type", r.FETCH_NOT_HTML)


def add_redirects(b: Builder) -> None:
    """Short links that redirect to an article on another host: fetched under the final URL."""
    for index in range(2):
        article = b.article()
        target_host, short_host = HOSTS[6 + index], HOSTS[9 + index]
        target = b.serve_article(target_host, f"/2017/08/{slug(article.title)}.html", article, 8)
        path = f"/go/{index}{slug(article.title)[:12]}"
        b.resources[(short_host, path)] = redirect(target)
        url = b.url(short_host, path)
        b.record(url, "redirect", [b.post(url, b.rng.randrange(10, 90), article.title)], final_url=target,
                 **article_truth(b, target_host, article))


def add_clean_cases(b: Builder) -> None:
    """Pages that are fetched but hold nothing worth training on, and encoding cases that are kept."""
    host = HOSTS[4]
    chrome = b.chromes[host]
    cases: list[tuple[str, Resource, str, str | None]] = [
        ("/empty.html", Resource(body=b""), "empty", r.CLEAN_EMPTY),
        ("/download/archive.html", Resource(body=b"%PDF-1.5\n" + bytes(range(256)) * 8), "not_html", r.CLEAN_NOT_HTML),
        ("/index/links.html", Resource(body=render_link_list(chrome, "Site index", [
            f"Section {i}" for i in range(30)]).encode()), "no_main_text", r.CLEAN_NO_MAIN_TEXT),
        ("/brief/stub.html", Resource(body=render_article(
            chrome, "Short note", ["Back soon with more news."], [], "2017-05-05").encode()),
         "too_short", r.CLEAN_TOO_SHORT),
    ]
    for path, resource, kind, reason in cases:
        b.resources[(host, path)] = resource
        url = b.url(host, path)
        b.record(url, kind, [b.post(url, b.rng.randrange(10, 90), f"Page: {kind}")], final_url=url, clean_drop=reason)
    for name in ("History_of_computing", "Programming_language"):
        article = b.article()
        path = f"/wiki/{name}"
        wiki = render_wiki(name.replace("_", " "), article.paragraphs)
        b.resources[(WIKI_MIRROR, path)] = Resource(body=wiki.encode())
        url = b.url(WIKI_MIRROR, path)
        b.record(url, "wiki_mirror", [b.post(url, b.rng.randrange(10, 90), name)], final_url=url,
                 clean_drop=r.CLEAN_WIKIPEDIA, title=name.replace("_", " "), article_text=article.text)
    encodings = (("charset_header", "iso-8859-1", None, "text/html; charset=ISO-8859-1", FRENCH),
                 ("charset_meta", "windows-1251", "windows-1251", "text/html", RUSSIAN),
                 ("charset_none", "windows-1252", None, "text/html", FRENCH))
    for kind, encoding, meta, content_type, extra in encodings:
        article = b.article()
        article = Article(article.title, [*article.paragraphs[:2], extra, *article.paragraphs[2:]])
        url = b.serve_article(HOSTS[5], f"/intl/{kind}.html", article, 9, charset=meta, encoding=encoding,
                              content_type=content_type)
        b.record(url, kind, [b.post(url, b.rng.randrange(10, 90), article.title)], final_url=url,
                 **article_truth(b, HOSTS[5], article))


def add_robots_status(b: Builder) -> None:
    """Hosts whose robots.txt answers an error (RFC 9309 §2.3.1.3-4).

    On one it answers 503, which means "assume complete disallow": its article is not fetched.
    On the other it answers 404 with a body that would disallow everything if it were read as
    rules; a 4xx means there are no rules, so its article is fetched and kept.
    """
    down, gone = host_of(ROBOTS_DOWN_SITE), host_of(ROBOTS_GONE_SITE)
    for host, name, status in ((down, ROBOTS_DOWN_SITE, 503), (gone, ROBOTS_GONE_SITE, 404)):
        b.chromes[host] = Chrome(name, "news")
        b.resources[(host, "/robots.txt")] = Resource(status=status, content_type="text/plain",
                                                      body=b"User-agent: *\nDisallow: /\n")
    article = b.article()
    url = b.serve_article(down, "/2017/status-update.html", article, 6)
    b.record(url, "robots_unreachable", [b.post(url, 30, article.title)], fetch_drop=r.FETCH_ROBOTS_UNREACHABLE)
    article = b.article()
    url = b.serve_article(gone, "/2017/new-home.html", article, 7)
    b.record(url, "robots_missing", [b.post(url, 30, article.title)], final_url=url,
             **article_truth(b, gone, article))

