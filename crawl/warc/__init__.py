"""The WARC library (ISO 28500): write, frame, read and split WARC files, ours and Common Crawl's."""
