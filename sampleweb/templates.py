"""HTML page templates of the sample web: realistic chrome around the article text.

Five layouts (news, blog, magazine, forum, minimal) wrap an article in what real pages carry
around it: navigation, sidebars with related links, ads, cookie banners, share bars, comment
sections and footers. The boilerplate sentences name their site, so a test can check that none of
them leaked into extracted text (`Chrome.snippets`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

LAYOUTS = ("news", "blog", "magazine", "forum", "minimal")

_COMMENTS = (
    "Great write-up, thanks for sharing this with everyone here",
    "I disagree with the second point, but the rest of the piece is spot on",
    "Bookmarked for later, this is exactly what I was searching for last week",
    "Does anyone know whether this also applies to older versions",
)


@dataclass(frozen=True)
class Chrome:
    """The boilerplate of one site."""

    site: str
    layout: str

    @property
    def nav(self) -> str:
        return f"Subscribe to the {self.site} newsletter for weekly highlights"

    @property
    def cookie(self) -> str:
        return (f"We use cookies to personalise content on {self.site}. By continuing to browse "
                f"you agree to our use of cookies and our privacy policy")

    @property
    def footer(self) -> str:
        return f"Copyright 2017 {self.site} Media Group, all rights reserved worldwide"

    def comment(self, index: int) -> str:
        return f"{_COMMENTS[index % len(_COMMENTS)]} (reader comment on {self.site})"

    def snippets(self) -> tuple[str, ...]:
        """Boilerplate sentences present on this site's article pages (never article text)."""
        if self.layout == "minimal":
            return (self.footer,)
        return (self.nav, self.cookie, self.footer, self.comment(0), self.comment(1))


def _paragraphs(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _head(title: str, site: str, charset: str | None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head>{meta}<title>{html.escape(title)} | "
            f"{html.escape(site)}</title><meta name=\"viewport\" content=\"width=device-width\">"
            f"<script>window.dataLayer=[];function gtag(){{dataLayer.push(arguments)}}</script>"
            f"<link rel=\"stylesheet\" href=\"/static/site.css\"></head>\n")


def _nav(chrome: Chrome) -> str:
    links = "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>'
                    for s in ("Home", "World", "Technology", "Science", "Opinion", "Contact"))
    return (f'<header class="site-header"><div class="logo">{html.escape(chrome.site)}</div>'
            f'<nav class="menu"><ul>{links}</ul></nav><div class="promo">{html.escape(chrome.nav)}'
            f"</div></header>\n")


def _cookie(chrome: Chrome) -> str:
    return (f'<div id="cookie-banner" class="cookie-consent"><p>{html.escape(chrome.cookie)}</p>'
            f"<button>Accept</button><button>Settings</button></div>\n")


def _comments(chrome: Chrome) -> str:
    items = "".join(f'<li class="comment"><span class="author">reader{i}</span><p>'
                    f"{html.escape(chrome.comment(i))}</p></li>" for i in range(2))
    return f'<section id="comments" class="comments"><h3>2 Comments</h3><ol>{items}</ol></section>\n'


def _footer(chrome: Chrome) -> str:
    return (f'<footer class="site-footer"><ul><li><a href="/about">About</a></li><li>'
            f'<a href="/privacy">Privacy</a></li></ul><p>{html.escape(chrome.footer)}</p></footer>\n')


def _sidebar(related: list[str]) -> str:
    links = "".join(f'<li><a href="/related/{i}">{html.escape(t)}</a></li>' for i, t in enumerate(related))
    return (f'<aside class="sidebar"><h4>Related stories</h4><ul>{links}</ul>'
            f'<div class="ad">Advertisement</div></aside>\n')


def render_article(chrome: Chrome, title: str, paragraphs: list[str], related: list[str],
                   date: str, charset: str | None = "utf-8") -> str:
    """The full HTML of an article page in `chrome`'s layout."""
    body = _paragraphs(paragraphs)
    head = _head(title, chrome.site, charset)
    h1 = f"<h1>{html.escape(title)}</h1>"
    byline = f'<p class="byline">By Staff Writer, <time datetime="{date}">{date}</time></p>'
    if chrome.layout == "minimal":
        return (f"{head}<body><h1>{html.escape(title)}</h1>\n{body}\n"
                f"<hr><small>{html.escape(chrome.footer)}</small></body></html>\n")
    if chrome.layout == "blog":
        main = (f'<div class="post"><div class="entry-header">{h1}{byline}</div>'
                f'<div class="entry-content">{body}</div><div class="share">Share this: Twitter '
                f"Facebook Email</div></div>\n")
    elif chrome.layout == "forum":
        main = (f'<div class="thread"><div class="post first-post"><div class="post-title">{h1}</div>'
                f'<div class="post-body">{body}</div></div></div>\n')
    elif chrome.layout == "magazine":
        main = (f'<main><article class="story">{h1}{byline}<figure><img src="/img/lead.jpg" '
                f'alt="lead"><figcaption>Photo: archive</figcaption></figure>'
                f'<div class="story-body">{body}</div></article></main>\n')
    else:
        main = f'<main><article>{h1}{byline}<div class="article-body">{body}</div></article></main>\n'
    return (f"{head}<body>\n{_cookie(chrome)}{_nav(chrome)}<div class=\"container\">{main}"
            f"{_sidebar(related)}</div>\n{_comments(chrome)}{_footer(chrome)}</body></html>\n")


def render_link_list(chrome: Chrome, title: str, links: list[str]) -> str:
    """A page with navigation and a list of links but no article (no main text)."""
    items = "".join(f'<li><a href="/l/{i}">{html.escape(t)}</a></li>' for i, t in enumerate(links))
    return (f"{_head(title, chrome.site, 'utf-8')}<body>\n{_nav(chrome)}<ul class=\"index\">{items}</ul>\n"
            f"{_footer(chrome)}</body></html>\n")


def render_wiki(title: str, paragraphs: list[str]) -> str:
    """A page laid out like a Wikipedia article, as served by a Wikipedia mirror."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)} - "
            f"Wikipedia</title></head><body><div id=\"content\" class=\"mw-body\"><h1 id=\"firstHeading\">"
            f"{html.escape(title)}</h1><div id=\"siteSub\">From Wikipedia, the free encyclopedia</div>"
            f"<div id=\"mw-content-text\" class=\"mw-parser-output\">{body}<h2>References"
            f"<span class=\"mw-editsection\">[edit]</span></h2></div><div class=\"printfooter\">"
            f"Retrieved from \"https://en.wikipedia.org/wiki/{html.escape(title.replace(' ', '_'))}\""
            f"</div></div></body></html>\n")
