"""Where the benchmarks find the data kept beside the repository, in `../shared/data`.

Each benchmark imports this module before it takes bench/ off `sys.path`, and falls back to the
sample web where the data is absent.
"""

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXTRACTION_BENCHMARK = SHARED_DATA / "extraction-benchmark"
SNIPPET_SET = SHARED_DATA / "trafilatura-eval"
