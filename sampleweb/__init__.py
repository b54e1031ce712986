"""The sample web: a seeded, offline stand-in for Reddit and the pages it links to.

`webtext.sampleweb.site.build_site` generates, deterministically from a seed, Reddit submissions
(served through a Reddit-compatible listing API and written as monthly `RS_YYYY-MM.zst` dumps),
the pages they link to on many host names, every awkward case a real crawl meets, and the
ground truth of what each stage should do with every URL (`webtext.sampleweb.truth`).
`webtext.sampleweb.server.SampleWebServer` serves it over real HTTP on 127.0.0.1, so the demo and
the tests exercise the real crawler, extractor and pipeline without network access.
"""
