"""The crawl stage: Reddit links above a karma threshold, and their pages fetched into WARC files.

Modules: `rules` (link filters), `dumps` (RS_*.zst reader), `listing` (listing API spider),
`collect` (both sources into the store), `store` (the SQLite link store), `pages` and `pipeline`
(page spider and its WARC/store writer), `warcwrite` / `warcread` (WARC files), `addresses`
(hosts file, private-address guard), `throttle` (backoff, rate limits), `lock`, `job`, `export`,
`config` and `settings` (Scrapy settings), `runner` (spiders in sequence).
"""
