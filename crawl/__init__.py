"""The crawl stage: Reddit links above a karma threshold, and their pages fetched into WARC files.

Four sub-rooms and the jobs that use them:

- `links/`: the link store (SQLite) and what fills it: the link rules, the monthly dump reader,
  the collector both sources feed, and the manifest export;
- `spiders/`: the Scrapy project: its settings, the listing and page spiders, their middlewares
  (address guard, robots.txt, backoff), and the item pipeline and writer process that turn
  fetched pages into WARC records and store rows;
- `warc/`: the WARC library: records as bytes, a checked record stream, bodies, the reader of
  ours and Common Crawl's files, byte-range splitting, the writer, and the `ReadWarc` Beam
  transform. The main job and `webtext clean` use it without any of the crawler.

- `parts/`: several crawlers on one link list: `partition` hands the pending URLs out to part
  stores by host, `merge` folds the parts' outcomes back (`webtext crawl partition|merge`).

At the top: `config` (the crawl's settings), `job` (links, pages or both under a lock) and
`lock`.
"""
