"""The work behind `webtext sample`, `export-hf` and `import-hf`: settings in, results out.

Each function loads what its settings name, does the work and returns what the command prints;
`webtext.cli.train` only parses the flags and prints. The device of `sample` is resolved as the
trainer resolves its own (`train.config.resolve_device`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from webtext.core.atomic import atomic_write
from webtext.core.errors import ConfigError
from webtext.tokenize.bpe import Tokenizer, definition_hash
from webtext.tokenize.vocab_files import read_definition
from webtext.train.checkpoint import find_checkpoint, load_model, save_checkpoint
from webtext.train.config import ExportHfSettings, ImportHfSettings, SampleSettings, resolve_device
from webtext.train.generate import load_tokenizer, sample_texts, tokenizer_candidates
from webtext.train.hf import export_hf, import_hf

CHECKPOINT = "DIR: a checkpoint folder or a run directory"
VOCAB_FILES = ("tokenizer.json", "vocab.json", "encoder.json")  # what `read_definition` reads


@dataclass(frozen=True)
class Exported:
    """What `export_checkpoint` wrote: the step and folder exported, and where to."""

    step: int
    checkpoint: str
    out: Path
    tokenizer: Path | None  # None: no tokenizer found, only weights and config written


@dataclass(frozen=True)
class Imported:
    """What `import_checkpoint` wrote: the checkpoint folder and the model's size."""

    checkpoint: Path
    params: int


def _given(value: Path | None, flag: str, what: str) -> Path:
    """`value`, or a `ConfigError` asking for `flag` when it was not given."""
    if value is None:
        raise ConfigError(f"give {flag} {what}")
    return value


def sample(settings: SampleSettings) -> list[str]:
    """The continuations of `settings.prompt` (without the prompt), cut at end-of-text."""
    checkpoint = _given(settings.checkpoint, "--checkpoint", CHECKPOINT)
    model, state = load_model(checkpoint, map_location=resolve_device(settings.device, 0))
    tokenizer = load_tokenizer(state, settings.tokenizer)
    eot = state.get("eot_id")
    eot_id = model.config.vocab_size - 1 if eot is None else int(eot)
    return sample_texts(model, tokenizer, settings.prompt, eot_id, num_samples=settings.num_samples,
                        max_new_tokens=settings.max_new_tokens, temperature=settings.temperature,
                        top_k=settings.top_k, top_p=settings.top_p, seed=settings.seed)


def export_checkpoint(settings: ExportHfSettings) -> Exported:
    """Write the checkpoint (and its tokenizer, when one is found) in the Hugging Face layout."""
    checkpoint = _given(settings.checkpoint, "--checkpoint", CHECKPOINT)
    out = _given(settings.out, "--out", "DIR: the directory to write the Hugging Face files to")
    model, state = load_model(checkpoint)
    tokenizer = settings.tokenizer or next((p for p in tokenizer_candidates(state) if p.is_file()), None)
    out = export_hf(model, out, eot_id=state.get("eot_id"), tokenizer_file=tokenizer)
    return Exported(int(state["step"]), str(state["checkpoint"]), out, tokenizer)


def import_checkpoint(settings: ImportHfSettings) -> Imported:
    """Save a Hugging Face GPT-2 directory as a step-0 checkpoint, with its tokenizer when it has one."""
    hf_dir = _given(settings.hf_dir, "--hf-dir", "DIR: a Hugging Face GPT-2 directory (config.json, model.safetensors)")
    out = _given(settings.out, "--out", "DIR: the run directory to save the checkpoint in")
    if find_checkpoint(out) is not None:
        raise ConfigError(f"{out} already holds a checkpoint; choose another --out")
    model = import_hf(hf_dir)
    definition = None
    if any((hf_dir / name).is_file() for name in VOCAB_FILES):
        definition = read_definition(hf_dir)  # the tokenizer's identity is its content hash
        if len(definition.vocab) > model.config.vocab_size:
            raise ConfigError(f"{hf_dir}: the tokenizer has {len(definition.vocab)} tokens, the model "
                              f"only {model.config.vocab_size}")
    path = save_checkpoint(out, model, None, step=0, data_position=0,
                           tokenizer_hash=definition_hash(definition) if definition else None,
                           eot_id=definition.eot_id if definition else model.config.vocab_size - 1,
                           extra={"imported_from": str(hf_dir)})
    if definition is not None:  # kept beside the weights, as a tokenizer.json
        original = hf_dir / "tokenizer.json"
        with atomic_write(path / "tokenizer.json", "w") as handle:
            handle.write(original.read_text(encoding="utf-8") if original.is_file()
                         else Tokenizer(definition, engine="tokenizers").to_json())
    return Imported(path, model.num_params())
