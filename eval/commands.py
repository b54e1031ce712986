"""The work behind `webtext eval overlap|perplexity`: settings in, files and one line out.

Each function checks its configuration before any long work (inputs exist, checkpoints resolve,
every `--about` names an `--eval` set), then measures, then writes its tables (Markdown, CSV,
JSON; see `webtext.core.tables`), its figure, its resolved configuration and its provenance
record (`sources`) into the output directory, every file atomically, and returns an `Outcome`
(the line the command prints). The models run on the device their settings name, resolved as the
trainer resolves its own (`auto`: the GPU when there is one). `webtext eval memorization` is in
`memorization_command`; `webtext eval report` (`report`) reads what they all wrote.
"""

from __future__ import annotations

from pathlib import Path

from webtext.core.config import save_config
from webtext.core.errors import ConfigError
from webtext.core.progress import progress
from webtext.dedup.bloom import NgramBloom
from webtext.dedup.evalsets import load_eval_sets
from webtext.eval import perplexity as ppl
from webtext.eval import sources
from webtext.eval.corpus_text import shard_tokenizer
from webtext.eval.models import checkpoint_folders, load_models
from webtext.eval.outcome import Outcome, overlap_headline, perplexity_headline
from webtext.eval.overlap import (
    GPT2_MEAN_OVERLAP,
    documents_table,
    measure,
    overlap_table,
    pair_own_splits,
    texts_filter,
    train_filter,
)
from webtext.eval.plots import figure4, overlap_plot
from webtext.eval.settings import FILTER_NAME, OverlapSettings, PerplexitySettings
from webtext.eval.terms import describe_sets
from webtext.tokenize.shards import ShardSet
from webtext.train.config import resolve_device


def run_overlap(settings: OverlapSettings) -> Outcome:
    """Table 6: overlap of each `--eval` set with the training text (and its own training split)."""
    if not settings.eval:
        raise ConfigError("give at least one evaluation set: --eval NAME=PATH")
    eval_sets = load_eval_sets(settings.eval)
    described = describe_sets(eval_sets, settings.about)
    own_splits = pair_own_splits(eval_sets, load_eval_sets(settings.eval_train))
    inputs = sources.file_inputs("evaluation set", {s.name: s.path for s in eval_sets})
    inputs |= sources.file_inputs("own training split", {s.name: s.path for s in own_splits.values()})
    if settings.filter is not None:
        bloom = NgramBloom.load(settings.filter)
        if bloom.n != settings.n:
            raise ConfigError(f"{settings.filter} holds {bloom.n}-grams, not {settings.n}-grams; pass --n {bloom.n}")
        inputs |= sources.file_inputs("filter", {"of the training text": settings.filter})
    else:
        shards = ShardSet.open(settings.train, settings.split)
        inputs |= sources.shards_input(settings.train, shards.tokenizer_hash)
        bloom = train_filter(shards, settings.n, settings.fp_rate, settings.expected)
    results = [measure(bloom, s) for s in eval_sets]
    own = {s.name: measure(texts_filter(own_splits[s.name].texts, settings.n, settings.fp_rate), s)
           for s in eval_sets if s.name in own_splits}
    table = overlap_table(results, own, bloom)
    table.notes["eval_sets"] = described
    written = table.write(settings.out) + documents_table(results).write(settings.out)
    written.append(overlap_plot(table.rows, GPT2_MEAN_OVERLAP, settings.out / "overlap.png"))
    if settings.save_filter and settings.filter is None:
        bloom.save(settings.out / FILTER_NAME)
        written.append(settings.out / FILTER_NAME)
    save_config(settings.out / "overlap_config.json", overlap=settings)
    written.append(sources.record(settings.out, "overlap", inputs))
    return Outcome("overlap", overlap_headline(table.rows, GPT2_MEAN_OVERLAP), settings.out, written)


def heldout_splits(shards: Path, names: list[str]) -> dict[str, ShardSet]:
    """The held-out splits among `names` that the shard directory has; `ConfigError` if none."""
    train = ShardSet.open(shards, "train", verify=False)
    present = [name for name in names if name in train.manifest.get("splits", {}) and name != "train"]
    if not present:
        raise ConfigError(f"{shards} has none of the held-out splits {', '.join(names)}; pass --heldout SPLIT")
    return {name: ShardSet.open(shards, name, tokenizer_hash=train.tokenizer_hash) for name in present}


def remove_table(out: Path, name: str) -> None:
    """Remove table `name` left in `out` by an earlier run, so the report cannot show it as this run's."""
    for suffix in ("md", "csv", "json"):
        (out / f"{name}.{suffix}").unlink(missing_ok=True)


def run_perplexity(settings: PerplexitySettings) -> Outcome:
    """Perplexity per checkpoint on train and held-out splits, and on evaluation sets by overlap."""
    device = str(resolve_device(settings.device, 0))
    folders = checkpoint_folders(settings.checkpoint, settings.all_steps)
    labels = ppl.bucket_labels(settings.buckets)
    splits = {"train": ShardSet.open(settings.shards, "train"), **heldout_splits(settings.shards, settings.heldout)}
    eval_sets = load_eval_sets(settings.eval)
    described = describe_sets(eval_sets, settings.about)
    hash_ = splits["train"].tokenizer_hash
    inputs = sources.shards_input(settings.shards, hash_) | sources.checkpoint_inputs(folders)
    tokenized: dict[str, tuple[list[list[int]], list[float | None]]] = {}
    if eval_sets:
        filter_path = settings.filter or settings.out / FILTER_NAME
        if not filter_path.is_file():
            raise ConfigError(f"no 8-gram filter at {filter_path}: run `webtext eval overlap` first or pass --filter")
        bloom = NgramBloom.load(filter_path)
        inputs |= sources.file_inputs("evaluation set", {s.name: s.path for s in eval_sets})
        inputs |= sources.file_inputs("filter", {"of the training text": filter_path})
        tokenizer = shard_tokenizer(splits["train"])
        tokenized = {s.name: ([ids.tolist() for ids in tokenizer.encode_batch(list(s.texts))],
                              measure(bloom, s).doc_rates) for s in eval_sets}
    scores, buckets = [], []
    eot = splits["train"].eot_id
    for model in progress(load_models(folders, device, hash_), total=len(folders), desc="perplexity", unit="model"):
        scores.append(ppl.split_perplexities(model, splits, settings.windows, settings.batch_size))
        for name, (documents, rates) in tokenized.items():
            buckets += ppl.bucket_perplexities(model, name, documents, rates, settings.buckets, eot,
                                               settings.batch_size)
    table = ppl.scores_table(scores)
    written = table.write(settings.out)
    if buckets:
        bucket_table = ppl.buckets_table(buckets)
        bucket_table.notes = {"buckets": labels, "edges": settings.buckets, "eval_sets": described}
        written += bucket_table.write(settings.out)
    else:
        remove_table(settings.out, "perplexity_buckets")
    written.append(figure4(table.rows, list(splits), settings.out / "figure4.png"))
    save_config(settings.out / "perplexity_config.json", perplexity=settings)
    written.append(sources.record(settings.out, "perplexity", inputs))
    return Outcome("perplexity", perplexity_headline(table.rows), settings.out, written)
