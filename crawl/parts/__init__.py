"""Several crawlers on one link list: hand the pending URLs out by host, fold the outcomes back.

`partition` writes N part stores (ordinary link stores that the page spider crawls unchanged, on
scrapyd nodes or cron jobs elsewhere), `merge` folds their outcomes back into the parent store,
`ledger` keeps the record of both in the parent and in each part, `settings` are the commands'
flags.
"""
