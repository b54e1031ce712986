"""Settings of the eval stage, in one place (mapped to `webtext eval` flags by core.config).

Defaults follow the sources each measurement comes from:

- overlap: 8-grams of text normalized to lower-cased alphanumeric words, in a Bloom filter with a
  false-positive rate of at most 1e-8 (Radford et al. 2019, "Language Models are Unsupervised
  Multitask Learners", section 4 and Table 6);
- perplexity: the trainer's evenly spaced windows and its loss function, so the evaluator's
  perplexity is exp of the trainer's validation loss; evaluation documents bucketed by their
  own overlap rate, from clean (no overlap) to dirty, as in GPT-3's clean/dirty analysis
  (Brown et al. 2020, section 4 and appendix C);
- memorization: a training sequence is extractable when, prompted with its 50 preceding tokens,
  greedy decoding reproduces its next 50 tokens exactly (Carlini et al. 2022, "Quantifying
  Memorization Across Neural Language Models", section 3); sequences bucketed by how often they
  occur in the training data, the factor that paper finds drives memorization.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from webtext.core.config import setting

DEFAULT_SHARDS = Path("out/corpus")
DEFAULT_OUT = Path("out/eval")
FILTER_NAME = "train_8grams.bloom"
MEMORIZATION_FIGURE = "memorization.png"
ABOUT_HELP = ("what each evaluation set is, one line per set as NAME=TEXT (same NAME as in --eval), "
              "shown in the report's terms")


@dataclass(frozen=True)
class OverlapSettings:
    """`webtext eval overlap`: Table 6 of GPT-2."""

    train: Path = setting(DEFAULT_SHARDS, "shard directory whose train split is the training text")
    split: str = setting("train", "split of --train whose text fills the filter")
    eval: list[str] = setting([], "evaluation sets as NAME=PATH (text, JSONL or Parquet)")
    about: list[str] = setting([], ABOUT_HELP)
    eval_train: list[str] = setting([], "the evaluation sets' own training splits as NAME=PATH "
                                        "(same NAME as in --eval), measured against the evaluation set")
    n: int = setting(8, "words per n-gram (GPT-2: 8)")
    fp_rate: float = setting(1e-8, "target false-positive rate of the Bloom filter (GPT-2: at most 1e-8)")
    expected: int | None = setting(None, "n-grams the filter is sized for (default: the split's token "
                                         "count, an upper bound on its words)")
    filter: Path | None = setting(None, "reuse this saved filter instead of reading --train")
    out: Path = setting(DEFAULT_OUT, "directory for the tables and the saved filter")
    save_filter: bool = setting(True, f"save the filter as OUT/{FILTER_NAME} (used by eval perplexity)")


@dataclass(frozen=True)
class _CheckpointSettings:
    """The checkpoints and shards that `eval perplexity` and `eval memorization` both read."""

    checkpoint: list[Path] = setting([Path("out/checkpoints")], "checkpoint folders or run directories; "
                                     "a directory holding run directories counts as all of them")
    all_steps: bool = setting(False, "evaluate every saved step of each run, not only its latest")
    shards: Path = setting(DEFAULT_SHARDS, "shard directory with the train split and held-out splits")


@dataclass(frozen=True)
class PerplexitySettings(_CheckpointSettings):
    """`webtext eval perplexity`: train and held-out perplexity per checkpoint (Figure 4)."""

    heldout: list[str] = setting(["val", "test"], "held-out splits to evaluate (those present)")
    windows: int = setting(200, "windows per split (evenly spaced, as the trainer's validation)")
    eval: list[str] = setting([], "evaluation sets as NAME=PATH, scored per overlap bucket")
    about: list[str] = setting([], ABOUT_HELP)
    filter: Path | None = setting(None, f"8-gram Bloom filter of the training text (default: OUT/{FILTER_NAME})")
    buckets: list[float] = setting([0.1, 0.5], "upper edges of the overlap buckets between clean (0) and "
                                               "dirty (above the last edge), as fractions")
    batch_size: int = setting(8, "windows per forward pass")
    device: str = setting("auto", "torch device: auto (the GPU when there is one), cpu, cuda or cuda:N")
    out: Path = setting(DEFAULT_OUT, "directory for the tables and figure4.png")


@dataclass(frozen=True)
class MemorizationSettings(_CheckpointSettings):
    """`webtext eval memorization`: extractable memorization, Carlini et al. 2022."""

    heldout: list[str] = setting(["val", "test"], "held-out splits sampled from (those present)")
    samples: int = setting(256, "sequences sampled from the training split, and as many held out")
    prefix: int = setting(50, "prompt tokens (Carlini et al.: 50)")
    continuation: int = setting(50, "tokens that must be reproduced exactly (Carlini et al.: 50)")
    count_buckets: list[int] = setting([1, 2, 5, 20], "lower edges of the buckets of training-data "
                                                      "occurrence counts (empty: no bucketing)")
    batch_size: int = setting(32, "prompts decoded together")
    seed: int = setting(0, "seed of the sequence sample")
    device: str = setting("auto", "torch device: auto (the GPU when there is one), cpu, cuda or cuda:N")
    out: Path = setting(DEFAULT_OUT, f"directory for the tables and {MEMORIZATION_FIGURE}")


@dataclass(frozen=True)
class ReportSettings:
    """`webtext eval report`: one Markdown and HTML page over the other commands' outputs."""

    out: Path = setting(DEFAULT_OUT, "directory holding the eval outputs; report.md and report.html go there")
    title: str = setting("webtext: memorization versus generalization", "report title")
