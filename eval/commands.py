"""The work behind `webtext eval overlap|perplexity|memorization`: settings in, files out.

Each function checks its configuration before any long work (inputs exist, checkpoints resolve,
prompts fit the context), then measures, then writes its tables (Markdown, CSV, JSON; see
`tables`), its figure and its resolved configuration into the output directory, every file
atomically. The models run on the device their settings name, resolved as the trainer resolves
its own (`auto`: the GPU when there is one). `webtext eval report` (`report`) reads what these wrote.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from webtext.core.config import save_config
from webtext.core.errors import ConfigError
from webtext.core.progress import progress
from webtext.dedup.bloom import NgramBloom
from webtext.dedup.evalsets import load_eval_sets
from webtext.eval import memorization as mem
from webtext.eval import perplexity as ppl
from webtext.eval.corpus_text import shard_tokenizer
from webtext.eval.models import checkpoint_folders, load_models
from webtext.eval.occurrences import occurrence_counts
from webtext.eval.overlap import (
    GPT2_MEAN_OVERLAP,
    documents_table,
    measure,
    overlap_table,
    pair_own_splits,
    texts_filter,
    train_filter,
)
from webtext.eval.plots import figure4, memorization_plot, overlap_plot
from webtext.eval.settings import FILTER_NAME, MemorizationSettings, OverlapSettings, PerplexitySettings
from webtext.core.tables import Column, Table
from webtext.tokenize.shards import ShardSet
from webtext.train.checkpoint import read_state
from webtext.train.config import resolve_device


def run_overlap(settings: OverlapSettings) -> list[Path]:
    """Table 6: overlap of each `--eval` set with the training text (and its own training split)."""
    if not settings.eval:
        raise ConfigError("give at least one evaluation set: --eval NAME=PATH")
    eval_sets = load_eval_sets(settings.eval)
    own_splits = pair_own_splits(eval_sets, load_eval_sets(settings.eval_train))
    if settings.filter is not None:
        bloom = NgramBloom.load(settings.filter)
        if bloom.n != settings.n:
            raise ConfigError(f"{settings.filter} holds {bloom.n}-grams, not {settings.n}-grams; pass --n {bloom.n}")
    else:
        bloom = train_filter(ShardSet.open(settings.train, settings.split), settings.n, settings.fp_rate,
                             settings.expected)
    results = [measure(bloom, s) for s in eval_sets]
    own = {s.name: measure(texts_filter(own_splits[s.name].texts, settings.n, settings.fp_rate), s)
           for s in eval_sets if s.name in own_splits}
    table = overlap_table(results, own, bloom)
    written = table.write(settings.out) + documents_table(results).write(settings.out)
    written.append(overlap_plot(table.rows, GPT2_MEAN_OVERLAP, settings.out / "overlap.png"))
    if settings.save_filter and settings.filter is None:
        bloom.save(settings.out / FILTER_NAME)
        written.append(settings.out / FILTER_NAME)
    save_config(settings.out / "overlap_config.json", overlap=settings)
    return written


def _heldout(shards: Path, names: list[str]) -> dict[str, ShardSet]:
    """The held-out splits among `names` that the shard directory has; `ConfigError` if none."""
    train = ShardSet.open(shards, "train", verify=False)
    present = [name for name in names if name in train.manifest.get("splits", {}) and name != "train"]
    if not present:
        raise ConfigError(f"{shards} has none of the held-out splits {', '.join(names)}; pass --heldout SPLIT")
    return {name: ShardSet.open(shards, name, tokenizer_hash=train.tokenizer_hash) for name in present}


def run_perplexity(settings: PerplexitySettings) -> list[Path]:
    """Perplexity per checkpoint on train and held-out splits, and on evaluation sets by overlap."""
    device = str(resolve_device(settings.device, 0))
    folders = checkpoint_folders(settings.checkpoint, settings.all_steps)
    labels = ppl.bucket_labels(settings.buckets)
    splits = {"train": ShardSet.open(settings.shards, "train"), **_heldout(settings.shards, settings.heldout)}
    eval_sets = load_eval_sets(settings.eval)
    tokenized: dict[str, tuple[list[list[int]], list[float | None]]] = {}
    if eval_sets:
        filter_path = settings.filter or settings.out / FILTER_NAME
        if not filter_path.is_file():
            raise ConfigError(f"no 8-gram filter at {filter_path}: run `webtext eval overlap` first or pass --filter")
        bloom = NgramBloom.load(filter_path)
        tokenizer = shard_tokenizer(splits["train"])
        tokenized = {s.name: ([ids.tolist() for ids in tokenizer.encode_batch(list(s.texts))],
                              measure(bloom, s).doc_rates) for s in eval_sets}
    scores, buckets = [], []
    hash_ = splits["train"].tokenizer_hash
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
        bucket_table.notes = {"buckets": labels, "edges": settings.buckets}
        written += bucket_table.write(settings.out)
    written.append(figure4(table.rows, list(splits), settings.out / "figure4.png"))
    save_config(settings.out / "perplexity_config.json", perplexity=settings)
    return written


def _examples(train: ShardSet, sequences: np.ndarray, extraction: mem.Extraction, prefix: int,
              limit: int = 3) -> list[dict[str, str]]:
    """A few extracted training sequences as text (none when the tokenizer is unavailable)."""
    try:
        tokenizer = shard_tokenizer(train)
    except ConfigError:
        return []
    rows = np.flatnonzero(extraction.exact)[:limit]
    return [{"prefix": tokenizer.decode(sequences[r, :prefix].tolist()),
             "continuation": tokenizer.decode(sequences[r, prefix:].tolist())} for r in rows]


def _memorization_tables(rows: list[dict[str, object]], bucket_rows: list[dict[str, object]],
                         settings: MemorizationSettings) -> tuple[Table, Table]:
    table = Table("memorization", f"Extractable memorization ({settings.prefix}-token prompt, "
                                  f"{settings.continuation}-token greedy continuation)",
                  [Column("model", "model"), Column("step", "step"), Column("params", "parameters", ","),
                   Column("train_sequences", "training sequences", ","), Column("train_rate", "extracted", ".1%"),
                   Column("heldout_sequences", "held-out sequences", ","),
                   Column("heldout_rate", "extracted (held out)", ".1%"),
                   Column("difference", "difference (points)", "+.1f"), Column("p_value", "p-value", ".2g"),
                   Column("train_token_match", "tokens reproduced", ".1%"),
                   Column("heldout_token_match", "tokens reproduced (held out)", ".1%")], rows)
    table.notes = {"prefix": settings.prefix, "continuation": settings.continuation, "seed": settings.seed,
                   "decoding": "greedy"}
    buckets = Table("memorization_buckets", "Extraction rate by occurrences of the sequence in the training split",
                    [Column("model", "model"), Column("source", "sequences"), Column("bucket", "occurrences"),
                     Column("sequences", "sequences", ","), Column("extracted", "extracted", ","),
                     Column("rate", "rate", ".1%")], bucket_rows)
    return table, buckets


def _bucket_rows(label: str, source: str, counts: np.ndarray, exact: np.ndarray,
                 edges: list[int]) -> list[dict[str, object]]:
    names = mem.count_bucket_labels(edges)
    which = np.array([mem.count_bucket(int(c), edges) for c in counts], dtype=np.int64)
    rows: list[dict[str, object]] = []
    for index, name in enumerate(names):
        chosen = which == index
        n, hits = int(chosen.sum()), int(exact[chosen].sum())
        lower = [0, *edges][index]
        rows.append({"model": label, "source": source, "bucket": name, "occurrences": lower,
                     "sequences": n, "extracted": hits, "rate": hits / n if n else math.nan})
    return rows


def run_memorization(settings: MemorizationSettings) -> list[Path]:
    """Extraction rate of training versus held-out sequences, per checkpoint and by repetition."""
    device = str(resolve_device(settings.device, 0))
    folders = checkpoint_folders(settings.checkpoint, settings.all_steps)
    edges = list(settings.count_buckets)
    if edges:
        mem.count_bucket_labels(edges)
    for folder in folders:
        block = int(read_state(folder)["model_config"]["block_size"])
        mem.check_lengths(str(folder), block, settings.prefix, settings.continuation)
    train = ShardSet.open(settings.shards, "train")
    heldout = _heldout(settings.shards, settings.heldout)
    length = settings.prefix + settings.continuation
    train_seqs = mem.sample_sequences([train], length, settings.samples, settings.seed)
    heldout_seqs = mem.sample_sequences(list(heldout.values()), length, settings.samples, settings.seed + 1)
    if edges:
        train_counts = occurrence_counts(train.shard_tokens, train_seqs)
        heldout_counts = occurrence_counts(train.shard_tokens, heldout_seqs)
    rows: list[dict[str, object]] = []
    bucket_rows: list[dict[str, object]] = []
    examples: dict[str, list[dict[str, str]]] = {}
    for model in progress(load_models(folders, device, train.tokenizer_hash), total=len(folders),
                          desc="memorization", unit="model"):
        seen = mem.extract(model, train_seqs, settings.prefix, settings.batch_size)
        unseen = mem.extract(model, heldout_seqs, settings.prefix, settings.batch_size)
        hits, held_hits = int(seen.exact.sum()), int(unseen.exact.sum())
        rows.append({"model": model.label, "step": model.step, "params": model.params,
                     "train_sequences": len(train_seqs), "train_extracted": hits, "train_rate": seen.rate,
                     "heldout_sequences": len(heldout_seqs), "heldout_extracted": held_hits,
                     "heldout_rate": unseen.rate, "difference": 100.0 * (seen.rate - unseen.rate),
                     "p_value": mem.difference_p_value(hits, len(train_seqs), held_hits, len(heldout_seqs)),
                     "train_token_match": float(seen.token_match.mean()),
                     "heldout_token_match": float(unseen.token_match.mean())})
        if edges:
            bucket_rows += _bucket_rows(model.label, "train", train_counts, seen.exact, edges)
            bucket_rows += _bucket_rows(model.label, "held-out", heldout_counts, unseen.exact, edges)
        examples[model.label] = _examples(train, train_seqs, seen, settings.prefix)
    table, buckets = _memorization_tables(rows, bucket_rows, settings)
    table.notes["examples"] = examples
    written = table.write(settings.out)
    if bucket_rows:
        written += buckets.write(settings.out)
    written.append(memorization_plot(rows, bucket_rows, settings.out / "memorization.png"))
    save_config(settings.out / "memorization_config.json", memorization=settings)
    return written
