"""The work behind `webtext eval memorization`: extraction of training against held-out sequences.

As the other eval commands (`commands`): the settings are checked before any model runs (every
prompt fits every checkpoint's context, the count buckets are valid), then each checkpoint
greedy-decodes the same sampled training and held-out sequences (`memorization`), and the tables,
the figure (`plots.memorization_plot`, which draws nothing when there is nothing to show), the
configuration and the provenance record are written into the output directory.

The table is ordered so that, split to the page's width (`webtext.core.render.MAX_COLUMNS`), its
first part is the checkpoint and its training sequences, its second the held-out sequences and
the comparison; each extraction rate stands beside its count ("3 of 256").
"""

from __future__ import annotations

import math

import numpy as np
from webtext.core.config import save_config
from webtext.core.errors import ConfigError
from webtext.core.progress import progress
from webtext.core.tables import Column, Table
from webtext.eval import memorization as mem
from webtext.eval import sources
from webtext.eval.commands import heldout_splits, remove_table
from webtext.eval.corpus_text import shard_tokenizer
from webtext.eval.models import checkpoint_folders, load_models
from webtext.eval.occurrences import occurrence_counts
from webtext.eval.outcome import Outcome, memorization_headline
from webtext.eval.plots import memorization_plot
from webtext.eval.settings import MEMORIZATION_FIGURE, MemorizationSettings
from webtext.tokenize.shards import ShardSet
from webtext.train.checkpoint import read_state
from webtext.train.config import resolve_device


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
                   Column("train_extracted_of", "training: extracted"), Column("train_rate", "training: rate", ".1%"),
                   Column("train_token_match", "training: tokens reproduced", ".1%"),
                   Column("heldout_extracted_of", "held out: extracted"),
                   Column("heldout_rate", "held out: rate", ".1%"),
                   Column("heldout_token_match", "held out: tokens reproduced", ".1%"),
                   Column("difference", "difference (points)", "+.1f"), Column("p_value", "p-value", ".2g")], rows)
    table.notes = {"prefix": settings.prefix, "continuation": settings.continuation, "seed": settings.seed,
                   "decoding": "greedy"}
    buckets = Table("memorization_buckets", "Extraction rate by occurrences of the sequence in the training split",
                    [Column("model", "model"), Column("source", "sampled from"), Column("bucket", "occurrences"),
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


def run_memorization(settings: MemorizationSettings) -> Outcome:
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
    heldout = heldout_splits(settings.shards, settings.heldout)
    inputs = sources.shards_input(settings.shards, train.tokenizer_hash) | sources.checkpoint_inputs(folders)
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
                     "train_extracted_of": f"{hits:,} of {len(train_seqs):,}",
                     "heldout_sequences": len(heldout_seqs), "heldout_extracted": held_hits,
                     "heldout_extracted_of": f"{held_hits:,} of {len(heldout_seqs):,}",
                     "heldout_rate": unseen.rate, "difference": 100.0 * (seen.rate - unseen.rate),
                     "p_value": mem.difference_p_value(hits, len(train_seqs), held_hits, len(heldout_seqs)),
                     "train_token_match": float(seen.token_match.mean()),
                     "heldout_token_match": float(unseen.token_match.mean())})
        if edges:
            bucket_rows += _bucket_rows(model.label, "train", train_counts, seen.exact, edges)
            bucket_rows += _bucket_rows(model.label, "held-out", heldout_counts, unseen.exact, edges)
        examples[model.label] = _examples(train, train_seqs, seen, settings.prefix)
    table, buckets = _memorization_tables(rows, bucket_rows, settings)
    figure = memorization_plot(rows, bucket_rows, settings.out / MEMORIZATION_FIGURE)
    table.notes |= {"examples": examples, "figure": figure.name if figure else None}
    written = table.write(settings.out)
    if bucket_rows:
        written += buckets.write(settings.out)
    else:
        remove_table(settings.out, "memorization_buckets")
    written += [figure] if figure else []
    save_config(settings.out / "memorization_config.json", memorization=settings)
    written.append(sources.record(settings.out, "memorization", inputs))
    return Outcome("memorization", memorization_headline(rows), settings.out, written)
