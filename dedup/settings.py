"""Settings of the dedup stage, in one place (mapped to `webtext dedup` flags by core.config).

`DedupSettings` are the stage's parameters (the main job takes them too); `DedupRun` is what one
`webtext dedup` run reads and writes and which steps it runs. Both are written, under the keys
`dedup` and `run`, as the run's `<stem>.config.json`, which `--config` accepts back.

Defaults follow the literature: 5-word shingles, 128 permutations and a Jaccard threshold of
0.8 for near duplicates (Lee et al. 2022, "Deduplicating Training Data Makes Language Models
Better", used MinHash at 0.8); the GPT-3 decontamination rule of 13-grams, 200-character
margins, pieces under 200 characters dropped and documents cut into more than 10 pieces dropped
(Brown et al. 2020, appendix C); GPT-2's 8-gram overlap measured with a Bloom filter at a
false-positive rate of at most 1e-8 (Radford et al. 2019, section 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from webtext.core.config import setting
from webtext.core.errors import ConfigError

DECONTAMINATION_MODES = ("near", "ngram", "measure")


@dataclass(frozen=True)
class DedupSettings:
    """Near-duplicate and decontamination parameters."""

    shingle_size: int = setting(5, "words per MinHash shingle")
    num_perm: int = setting(128, "MinHash permutations (signature length)")
    seed: int = setting(1, "MinHash seed (default: 1, as datasketch)")
    threshold: float = setting(0.8, "Jaccard similarity above which documents are near duplicates")
    verify: bool = setting(True, "check each LSH candidate pair's estimated Jaccard against the threshold")
    max_bucket_representatives: int = setting(
        64, "dissimilar documents compared against per LSH bucket (bounds work in huge buckets)")
    batch_size: int = setting(256, "documents per signature batch")
    decontaminate: str = setting("measure", "what to do about evaluation-set overlap: near, ngram or measure",
                                 choices=DECONTAMINATION_MODES)
    contamination_ngram: int = setting(13, "n-gram length of the GPT-3 decontamination rule")
    contamination_margin: int = setting(200, "characters cut on either side of a matching n-gram")
    min_piece_chars: int = setting(200, "pieces shorter than this are dropped after cutting")
    max_pieces: int = setting(10, "documents cut into more pieces than this are dropped")
    overlap_ngram: int = setting(8, "n-gram length of the GPT-2 overlap measurement")
    bloom_fp_rate: float = setting(1e-8, "false-positive rate of the overlap Bloom filter")

    def __post_init__(self) -> None:
        # Checked here, so `webtext dedup` and the main job both stop with one line before any
        # work starts, not inside a worker (LSH banding needs 0 < threshold < 1).
        if not 0 < self.threshold < 1:
            raise ConfigError(f"--threshold must be between 0 and 1, both excluded (got {self.threshold})")
        if not 0 < self.bloom_fp_rate < 1:
            raise ConfigError(f"--bloom-fp-rate must be between 0 and 1, both excluded (got {self.bloom_fp_rate})")
        for flag, value in (("--shingle-size", self.shingle_size), ("--num-perm", self.num_perm),
                            ("--max-bucket-representatives", self.max_bucket_representatives),
                            ("--batch-size", self.batch_size), ("--contamination-ngram", self.contamination_ngram),
                            ("--overlap-ngram", self.overlap_ngram)):
            if value < 1:
                raise ConfigError(f"{flag} must be 1 or more (got {value})")
        for flag, value in (("--contamination-margin", self.contamination_margin),
                            ("--min-piece-chars", self.min_piece_chars), ("--max-pieces", self.max_pieces)):
            if value < 0:
                raise ConfigError(f"{flag} must be 0 or more (got {value})")


@dataclass(frozen=True)
class DedupRun:
    """The files and steps of one `webtext dedup` run (`input` and `output` are required)."""

    input: Path | None = setting(None, "documents, .jsonl or .parquet (required, no default)")
    output: Path | None = setting(None, "kept documents, .jsonl or .parquet (required, no default)")
    dropped: Path | None = setting(None, "dropped documents (default: OUTPUT stem + .dropped)")
    exact: bool = setting(True, "remove exact duplicates (default: on)")
    near: bool = setting(True, "remove MinHash near duplicates (default: on)")
    eval: list[str] = setting([], "evaluation sets as NAME=PATH (.txt blank-line-separated, .jsonl 'text', "
                                  ".parquet 'text')")
    workers: int = setting(1, "local runner workers: 1 runs in this process, more (0: one per core) as processes "
                              "(default: 1)")
