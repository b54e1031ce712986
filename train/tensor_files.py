"""A checkpoint's tensor files: safetensors written with their SHA-256, checked before use.

`write_tensors` returns the digest of the bytes it wrote, for state.json; `read_tensors`
compares the file with that digest before parsing it, so a flipped byte inside a tensor (which
the safetensors format itself cannot notice) is refused by name. `check_shapes` compares the
file's header with the shapes a model config implies before any model is allocated, and
`check_finite` names the first tensor holding NaN or infinity.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save
from webtext.core.atomic import atomic_write
from webtext.core.errors import BadFileError
from webtext.tokenize.shard_format import file_sha256


def write_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> str:
    """Write `tensors` to `path` atomically; return the SHA-256 of the file."""
    data = save({name: t.detach().cpu().contiguous() for name, t in tensors.items()}, metadata={"format": "pt"})
    with atomic_write(path) as handle:
        handle.write(data)
    return hashlib.sha256(data).hexdigest()


def verify(path: Path, sha256: str | None) -> None:
    """Refuse (BadFileError) a missing file or one whose SHA-256 is not `sha256` (None: unchecked)."""
    if not path.is_file():
        raise BadFileError(str(path), "missing from the checkpoint")
    if sha256 is not None:
        actual = file_sha256(path)
        if actual != sha256:
            raise BadFileError(str(path), f"sha256 {actual[:16]}... differs from the {sha256[:16]}... "
                                          "recorded in state.json: the file is damaged")


def read_tensors(path: Path, device: str | torch.device, sha256: str | None) -> dict[str, torch.Tensor]:
    """The tensors of `path`, verified against `sha256` first."""
    verify(path, sha256)
    try:
        return load_file(path, device=str(device))
    except Exception as error:  # safetensors raises its own types for damaged files
        raise BadFileError(str(path), f"unreadable safetensors file ({error})") from error


def check_shapes(path: Path, expected: dict[str, tuple[int, ...]]) -> None:
    """Refuse a file whose tensor names or shapes (read from its header only) are not `expected`."""
    try:
        with safe_open(str(path), framework="pt") as handle:
            shapes = {name: tuple(handle.get_slice(name).get_shape()) for name in handle.keys()}  # noqa: SIM118
    except Exception as error:  # safetensors raises its own types for damaged files
        raise BadFileError(str(path), f"unreadable safetensors file ({error})") from error
    require_shapes(path, shapes, expected, "the model config in state.json")


def require_shapes(path: Path, shapes: dict[str, tuple[int, ...]], expected: dict[str, tuple[int, ...]],
                   source: str) -> None:
    """Refuse `shapes` (tensor name -> shape, found in `path`) unless they are exactly `expected`
    (what `source` implies): the same names, each with the same shape."""
    missing = sorted(set(expected) - set(shapes))
    unexpected = sorted(set(shapes) - set(expected))
    if missing or unexpected:
        raise BadFileError(str(path), f"tensors do not fit {source} "
                                      f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    for name, shape in expected.items():
        if shapes[name] != shape:
            raise BadFileError(str(path), f"{name} has shape {shapes[name]}, {source} says {shape}")


def check_finite(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    """Refuse (BadFileError) tensors of `path` that hold NaN or infinity, naming the first."""
    name = first_non_finite(tensors)
    if name is not None:
        raise BadFileError(str(path), f"{name} holds values that are not finite (NaN or infinity)")


def first_non_finite(tensors: dict[str, torch.Tensor]) -> str | None:
    """The name of the first floating-point tensor that holds NaN or infinity; None if none."""
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            return name
    return None
