"""`ReadWarc`: the crawl stage's WARC files (or Common Crawl's) into pages, as a Beam transform.

Files are matched with Beam's `fileio` and opened through its `FileSystems`, so local paths,
`gs://` and `s3://` all work where the matching Beam extra is installed. Each file is read by
`webtext.crawl.warc.read`, which never raises: damaged files and records arrive on the `dead` output
as `DeadLetter`s naming the file and offset. HTTP responses other than 200 (Common Crawl keeps
redirects and errors) leave on the `not_ok` output as `(http_<status>, url)`, and so do the
response records that give no page, with the reader's reason (`not_http`, `bad_http`, and
`too_large` for a body that decodes to more than `max_body` bytes), so every response record is
accounted for. Each page is counted as it is read, in the Beam counter `PAGES_READ` (namespace
`read`, name `pages`), which the main job's progress line reports while the job runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes, FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection, TaggedOutput
from webtext.core.document import DeadLetter, Page
from webtext.core.reasons import http_error
from webtext.crawl.warc.read import MAX_BODY, Dropped, iter_warc_range
from webtext.crawl.warc.split import split_ranges

PAGES, DEAD, NOT_OK = "pages", "dead", "not_ok"
PAGES_READ = Metrics.counter("read", "pages")


# About 30 pages of compressed HTML, half a second of extraction. The runner deals ranges out to
# the workers up front, so one worker can end a range's time after the other: 4 MiB ranges left
# a worker idle for up to 2.5 s at the end of a 10,000-page job (`bench/pipeline.py`), 1 MiB 0.5 s.
SPLIT_BYTES = 1 << 20


def _ranges(metadata: FileMetadata, split_bytes: int) -> Iterator[tuple[str, int, int | None]]:
    """(path, start, end) byte ranges of one matched file (the whole file where it cannot be cut)."""
    ranges: list[tuple[int, int | None]] = [(0, None)]  # a small file is not even opened here
    if metadata.size_in_bytes > split_bytes:
        try:
            with FileSystems.open(metadata.path, compression_type=CompressionTypes.UNCOMPRESSED) as stream:
                ranges = split_ranges(stream, metadata.size_in_bytes, split_bytes)
        except OSError:
            pass  # read whole: the reader reports why it cannot be opened
    for start, end in ranges:
        yield metadata.path, start, end


def _read_range(byte_range: tuple[str, int, int | None], max_body: int) -> Iterator[Page | TaggedOutput]:
    name, start, end = byte_range
    try:
        stream = FileSystems.open(name, compression_type=CompressionTypes.UNCOMPRESSED)  # the reader inflates records
    except OSError as error:
        yield TaggedOutput(DEAD, DeadLetter(source=name, error=f"cannot open: {error}"))
        return
    with stream:
        for item in iter_warc_range(stream, name, start, end, max_body):
            if isinstance(item, DeadLetter):
                yield TaggedOutput(DEAD, item)
            elif isinstance(item, Dropped):
                yield TaggedOutput(NOT_OK, (item.reason, item.url))
            elif item.status != 200:
                yield TaggedOutput(NOT_OK, (http_error(item.status), item.url))
            else:
                PAGES_READ.inc()
                yield item


class ReadWarc(beam.PTransform):
    """A file glob -> `pages` (HTTP 200 `Page`s), `not_ok` ((reason, url)) and `dead` (`DeadLetter`s).

    Each `.warc.gz` file of one gzip member per record is read in ranges of `split_bytes`
    (`webtext.crawl.warc.split`), spread over the workers, so a few large files (Common Crawl's
    are 1 GB) still keep every worker busy. `max_body` should be the clean stage's `max_bytes`.
    """

    def __init__(self, pattern: str, split_bytes: int = SPLIT_BYTES, max_body: int = MAX_BODY) -> None:
        super().__init__()
        self.pattern = pattern
        self.split_bytes = split_bytes
        self.max_body = max_body

    def expand(self, pipeline: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        ranges: PCollection = (pipeline
                               | "Match" >> fileio.MatchFiles(self.pattern)
                               | "Split" >> beam.FlatMap(_ranges, self.split_bytes)
                               | "Spread" >> beam.Reshuffle())
        return ranges | "Records" >> beam.FlatMap(_read_range, self.max_body).with_outputs(DEAD, NOT_OK, main=PAGES)
