"""Chinese, Japanese and Korean text counted in words the way spaced scripts are, so that the length,
symbol and letter tests treat a CJK article like any other."""

from __future__ import annotations

from pathlib import Path

import pytest
from webtext.clean.filters import LengthFilter, SymbolFilter, apply_filters, default_filters
from webtext.clean.scoring import SnippetPage, load_snippet_set
from webtext.clean.settings import CleanSettings, FilterSettings
from webtext.clean.stage import clean_page
from webtext.clean.words import CJK_CHARS_PER_WORD, HANGUL_CHARS_PER_WORD, word_count
from webtext.core import reasons
from webtext.core.document import Document

CHINESE = (
    "市议会周二投票决定将河滨公园再延长两公里。此前一年里，居民们在多次公开会议上就树木、长椅和停车位展开了激烈争论。"
    "支持者表示，扩建后的公园将为东部城区带来第一块大型绿地，孩子们终于可以在家附近安全地玩耍；而市场周边的店主则担心，"
    "停车位减少会让顾客不再光顾。\n市长说，工程预计明年春天开工，并在十八个月内完工，费用将由市政府和一个地区发展基金共同承担。"
    "为了减少施工期间的不便，市政府承诺分段施工，并在每段完工后立即向公众开放。\n环保组织对这一计划表示欢迎，"
    "但也提醒市政府，新种植的树木需要至少五年的持续养护才能真正成活。一些老年居民希望公园里能多设几处有遮阳的座椅，"
    "方便他们在夏天散步时休息。议会还要求规划部门在秋季之前提交一份详细的交通方案。"
)
JAPANESE = (
    "市議会は火曜日、川沿いの公園をさらに二キロ延長することを決めました。この一年、住民たちは木やベンチ、駐車場をめぐって"
    "何度も話し合いを重ねてきました。\n賛成する人たちは、公園が広がれば東の地区に初めて大きな緑地ができ、子どもたちが家の近くで"
    "安心して遊べるようになると話しています。一方で、市場の近くで店を営む人たちは、駐車場が減るとお客さんが来なくなるのでは"
    "ないかと心配しています。\n市長によると、工事は来年の春に始まり、十八か月以内に終わる予定です。市は工事中の不便を少なく"
    "するため、区間ごとに工事を進め、終わったところから順に開放すると約束しました。環境団体はこの計画を歓迎していますが、"
    "新しく植える木には少なくとも五年の手入れが必要だと指摘しています。"
)
KOREAN = ("시의회는 화요일 강변 공원을 2킬로미터 더 늘리기로 결정했다. "
          "주민들은 지난 1년 동안 나무와 벤치, 주차 공간을 두고 여러 차례 회의를 열었다.")


def document(text: str) -> Document:
    return Document(id="d1", url="http://news.example.cn/a.html", domain="news.example.cn", text=text)


@pytest.mark.parametrize("text", [CHINESE, JAPANESE])
def test_a_cjk_article_of_300_characters_passes_every_filter(text: str) -> None:
    assert len(text.replace("\n", "")) >= 300 and len(text.split()) < 10  # few spaces: few "words" split on them
    article = document(text)
    assert word_count(text) >= 150
    assert apply_filters(article, default_filters(FilterSettings(languages=[]))) is article


def test_cjk_characters_count_by_the_average_word_length() -> None:
    assert word_count("\u6c49" * 90) == pytest.approx(90 / CJK_CHARS_PER_WORD)
    assert word_count("\u3072\u3089\u304c\u306a \u30ab\u30bf\u30ab\u30ca") == pytest.approx(8 / CJK_CHARS_PER_WORD)
    assert word_count("Apple \u65b0 iPhone") == 3  # one character is still a word
    assert word_count("The council voted on Tuesday.") == 5
    assert word_count("") == 0


def test_spaced_korean_counts_about_its_words_and_unspaced_korean_its_syllables() -> None:
    spaced = word_count(KOREAN)
    assert len(KOREAN.split()) <= spaced <= 1.25 * len(KOREAN.split())
    unspaced = KOREAN.replace(" ", "")
    syllables = sum("\uac00" <= c <= "\ud7a3" for c in unspaced)
    assert word_count(unspaced) == pytest.approx(syllables / HANGUL_CHARS_PER_WORD, abs=1)


def test_too_short_in_any_script() -> None:
    unit = LengthFilter(min_words=50, short_prose_words=50)  # Gopher's minimum alone
    assert unit(document(CHINESE[:60])) == reasons.CLEAN_TOO_SHORT  # a sentence or two
    assert unit(document(CHINESE[:100])) is None


def test_reference_marks_between_cjk_paragraphs_are_not_symbols() -> None:
    """An encyclopedia page: paragraphs of Chinese separated by footnote marks and stray full stops."""
    lines = []
    for i, paragraph in enumerate(CHINESE.split("\n")):
        lines += [paragraph, f"[{i + 1}]", "\u3002"]
    assert SymbolFilter()(document("\n".join(lines))) is None
    numbers = "\n".join(f"[{i}] {i * 3} {i * 7}" for i in range(30))
    assert SymbolFilter()(document(numbers + "\n" + CHINESE[:40])) == reasons.CLEAN_SYMBOL_RATIO


REAL_PAGES = {
    "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm": "zh",
    "http://www.banyuetan.org/jmcs/detail/20200102/1000200033136171577956287380194268_1.html": "zh",
    "https://web.archive.org/web/20120611024252/http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm": "zh",
    "https://baike.baidu.com/item/%E8%94%A1%E5%81%A5%E9%9B%85": "zh",
    "https://www3.nhk.or.jp/news/easy/k10011959621000/k10011959621000.html": "ja",
}


@pytest.fixture(scope="module")
def cjk_pages(snippet_set: Path) -> list[SnippetPage]:
    return [item for item in load_snippet_set(snippet_set) if item.page.url in REAL_PAGES]


@pytest.mark.slow
def test_real_chinese_and_japanese_pages_are_kept(cjk_pages: list[SnippetPage]) -> None:
    assert len(cjk_pages) == len(REAL_PAGES)
    settings = CleanSettings(filters=FilterSettings(languages=[]))
    for item in cjk_pages:
        doc = clean_page(item.page, settings)
        assert doc.drop_reason is None, (item.page.url, doc.drop_reason)
        assert len(doc.text) >= 300 and word_count(doc.text) >= 50
        assert any(snippet in doc.text for snippet in item.with_snippets), item.page.url
