"""What the driver adds to the main job's summary once its pipelines have run, from the files they wrote.

- `warnings`: each split that should hold documents and holds none (from `manifest.json`);
- `tokenizer_sample`: the sample the tokenizer was trained on (None when a tokenizer file was given);
- `documents`: files, documents and text bytes per split of the documents files (from their index;
  None under `--no-documents`);
- `webtext`: the comparison with WebText's 1,000 most frequent domains (`webtext.pipelines.fidelity`,
  from `domains.csv`).
"""

from __future__ import annotations

from typing import Any

from webtext.core import filesys
from webtext.core.splits import SplitRule
from webtext.pipelines.documents import INDEX_NAME, sample_record
from webtext.pipelines.fidelity import compare_output
from webtext.pipelines.options import JobConfig


def documents_summary(documents: str) -> dict[str, dict[str, int]]:
    """Files, documents and text bytes per split of the documents files in `documents`, from their index."""
    index = filesys.read_json(filesys.join(documents, INDEX_NAME))
    per_split: dict[str, dict[str, int]] = {}
    for entry in index["files"]:
        split = per_split.setdefault(entry["split"], {"files": 0, "documents": 0, "text_bytes": 0})
        split["files"] += 1
        split["documents"] += entry["documents"]
        split["text_bytes"] += entry["text_bytes"]
    return per_split


def empty_splits(out: str, rule: SplitRule, kept: int) -> list[str]:
    """A warning for each split that should hold documents and holds none."""
    splits = filesys.read_json(filesys.join(out, "manifest.json"))["splits"]
    fractions = {"train": 1 - rule.val_fraction - rule.test_fraction, "val": rule.val_fraction,
                 "test": rule.test_fraction}
    return [f"{name} split is empty ({kept} documents kept, {name} fraction {fraction:g}): "
            f"change --{name}-fraction or give more input" if name != "train" else
            f"train split is empty ({kept} documents kept)"
            for name, fraction in fractions.items()
            if fraction > 0 and not splits.get(name, {}).get("n_docs")]


def complete_summary(summary: dict[str, Any], config: JobConfig, documents: str, staging: str,
                     kept: int) -> dict[str, Any]:
    """`summary` with the driver's parts (see the module docstring) for the job of `config`, whose
    documents files are in `documents` and staged files in `staging`; `kept` documents were kept."""
    out = config.output
    return {**summary, "warnings": empty_splits(out, config.split, kept),
            "tokenizer_sample": sample_record(staging) if config.trains_tokenizer else None,
            "documents": documents_summary(documents) if config.documents.documents else None,
            "webtext": compare_output(out)}
