"""`ReadWarc`: the crawl stage's WARC files (or Common Crawl's) into pages, as a Beam transform.

Files are matched and opened with Beam's `fileio`, so local paths, `gs://` and `s3://` all work
where the matching Beam extra is installed. Each file is read by `webtext.crawl.warcread`, which
never raises: damaged files and records arrive on the `dead` output as `DeadLetter`s naming the
file and offset. HTTP responses other than 200 (Common Crawl keeps redirects and errors) leave on
the `dropped` output as `read:http_<status>`, so every response record is accounted for.
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.pvalue import PCollection, TaggedOutput
from webtext.core.document import DeadLetter, Page
from webtext.core.reasons import http_error
from webtext.crawl.warcread import iter_warc

PAGES, DEAD, NOT_OK = "pages", "dead", "not_ok"


def _read_file(readable: fileio.ReadableFile) -> Iterator[Page | TaggedOutput]:
    name = readable.metadata.path
    try:
        stream = readable.open(compression_type=CompressionTypes.UNCOMPRESSED)  # warcio inflates records
    except OSError as error:
        yield TaggedOutput(DEAD, DeadLetter(source=name, error=f"cannot open: {error}"))
        return
    with stream:
        for item in iter_warc(stream, name):
            if isinstance(item, DeadLetter):
                yield TaggedOutput(DEAD, item)
            elif item.status != 200:
                yield TaggedOutput(NOT_OK, (http_error(item.status), item.url))
            else:
                yield item


class ReadWarc(beam.PTransform):
    """A file glob -> `pages` (HTTP 200 `Page`s), `not_ok` ((reason, url)) and `dead` (`DeadLetter`s)."""

    def __init__(self, pattern: str) -> None:
        super().__init__()
        self.pattern = pattern

    def expand(self, pipeline: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        files: PCollection = (pipeline
                              | "Match" >> fileio.MatchFiles(self.pattern)
                              | "Open" >> fileio.ReadMatches()
                              | "Spread" >> beam.Reshuffle())
        return files | "Records" >> beam.FlatMap(_read_file).with_outputs(DEAD, NOT_OK, main=PAGES)
