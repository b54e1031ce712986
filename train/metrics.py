"""Training metrics: a JSONL log, optional TensorBoard events and a loss-curve PNG.

One JSON object per optimizer step (`step`, `loss`, `lr`, `grad_norm`, `tokens`, `tokens_per_s`,
`mfu`, and `val_loss` on validation steps). The log is kept in memory as lines and rewritten
atomically (`flush`), at every checkpoint and evaluation and at most every `flush_seconds`, so
the file on disk is always whole; on resume, rows after the checkpoint's step are dropped, so
the log reads as one uninterrupted run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from webtext.core.atomic import atomic_write
from webtext.core.errors import BadFileError, ConfigError
from webtext.train.errors import writing

_HINT = "; free space there or choose another --out"


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The rows of a metrics.jsonl file."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                rows.append(json.loads(line))
            except ValueError as error:
                raise BadFileError(str(path), f"not JSON ({error})", where=f"line {number}") from error
    return rows


class MetricsLog:
    """Rows of metrics for one run directory (written by the main process only)."""

    def __init__(self, directory: Path, resume_step: int | None, tensorboard: bool,
                 flush_seconds: float = 30.0) -> None:
        self.path = directory / "metrics.jsonl"
        self.plot_path = directory / "loss.png"
        self.flush_seconds = flush_seconds
        self._lines: list[str] = []
        if resume_step is not None and self.path.exists():
            kept = [row for row in read_metrics(self.path) if row["step"] <= resume_step]
            self._lines = [json.dumps(row) for row in kept]
        self._last_flush = time.monotonic()
        self._writer = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as error:
                raise ConfigError("--tensorboard needs the tensorboard package "
                                  "(pip install 'webtext[tensorboard]')") from error
            self._writer = SummaryWriter(str(directory / "tensorboard"), purge_step=resume_step)

    def add(self, row: dict[str, Any]) -> None:
        """Record one step's row; flush when the last flush is older than `flush_seconds`."""
        self._lines.append(json.dumps(row))
        if self._writer is not None:
            for key, value in row.items():
                if key != "step" and isinstance(value, (int, float)):
                    self._writer.add_scalar(key, value, row["step"])
        if time.monotonic() - self._last_flush > self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Rewrite metrics.jsonl with every row so far, atomically."""
        with writing(self.path, _HINT), atomic_write(self.path, "w") as handle:
            handle.writelines(line + "\n" for line in self._lines)
        if self._writer is not None:
            self._writer.flush()
        self._last_flush = time.monotonic()

    def plot(self) -> None:
        """Write loss.png: training loss per step and validation loss where measured."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        rows = [json.loads(line) for line in self._lines]
        figure, axes = plt.subplots(figsize=(8, 4.5))
        axes.plot([r["step"] for r in rows], [r["loss"] for r in rows], lw=0.8, label="train")
        val = [r for r in rows if "val_loss" in r]
        axes.plot([r["step"] for r in val], [r["val_loss"] for r in val], "o-", label="validation")
        axes.set_xlabel("step")
        axes.set_ylabel("cross-entropy (nats/token)")
        axes.grid(alpha=0.3)
        axes.legend()
        with writing(self.plot_path, _HINT), atomic_write(self.plot_path) as handle:
            figure.savefig(handle, format="png", dpi=120, bbox_inches="tight")
        plt.close(figure)

    def close(self) -> None:
        self.flush()
        self.plot()
        if self._writer is not None:
            self._writer.close()
