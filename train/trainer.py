"""The training loop: shards in, checkpoints, metrics and a loss curve out.

One optimizer step consumes a global batch of `batch_tokens` tokens: each process runs
`accumulation` micro-batches (forward, backward; DDP averages gradients across processes on the
last one), the global gradient norm is clipped, and AdamW steps at the schedule's rate. The loss
reported for a step is the mean over the whole global batch, identical for any process count.

Stopping: SIGTERM or SIGINT finishes the current step, saves a checkpoint and returns; all
processes agree on the stop through the same all-reduce that averages the loss. `--resume`
restores weights, optimizer, RNG states and the data position, so the run continues as if never
interrupted (bit-identical on the same hardware and process count).
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from webtext.core.config import save_config
from webtext.core.errors import ConfigError
from webtext.core.progress import bar
from webtext.tokenize.shards import ShardSet
from webtext.train import distributed
from webtext.train.checkpoint import (
    check_compatible,
    find_checkpoint,
    load_model,
    load_training_state,
    read_state,
    save_checkpoint,
)
from webtext.train.config import (
    TrainConfig,
    accumulation_steps,
    learning_rate_schedule,
    model_config,
    resolve_device,
    resolve_dtype,
)
from webtext.train.data import WindowOrder, loss_sum, rank_micro_batches, to_inputs_targets, validation_windows
from webtext.train.errors import DivergedError, writing
from webtext.train.generate import keep_tokenizer
from webtext.train.metrics import MetricsLog
from webtext.train.mfu import flops_per_token, mfu, peak_flops
from webtext.train.model import GPT
from webtext.train.optim import adamw
from webtext.train.resume import check_resume_options

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """How a run ended."""

    step: int
    loss: float
    val_loss: float | None
    checkpoint: Path | None
    stopped_by: str | None = None  # signal name when interrupted


class _StopRequest:
    """Turns SIGTERM / SIGINT into a flag the loop checks between steps."""

    def __init__(self) -> None:
        self.signal: str | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signal.Signals(signum).name

    def __enter__(self) -> _StopRequest:
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


class Trainer:
    """One training run as configured by a `TrainConfig` (see the module docstring)."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.processes = distributed.from_environment()
        self.device = resolve_device(config.device, self.processes.local_rank)
        self.dtype = resolve_dtype(config.dtype, self.device)
        self.run_dir = config.run_dir()
        self.train_shards = ShardSet.open(config.data, "train")
        self.tokenizer_hash = self.train_shards.tokenizer_hash
        self.val_shards = ShardSet.open(config.data, "val", tokenizer_hash=self.tokenizer_hash)
        self.model_config = model_config(config, self.train_shards.vocab_size)
        block = self.model_config.block_size
        self.accumulation = accumulation_steps(config, block, self.processes.world_size)
        self.global_windows = self.accumulation * config.micro_batch * self.processes.world_size
        self.order = WindowOrder(self.train_shards.n_tokens, block, config.seed)
        self.val_windows = validation_windows(self.val_shards, block, config.eval_windows)
        self.schedule = learning_rate_schedule(config)
        self.resume_from = self._resume_checkpoint()

    def _resume_checkpoint(self) -> Path | None:
        existing = find_checkpoint(self.run_dir)
        if existing is None:
            if self.config.resume:
                raise ConfigError(f"--resume: no checkpoint in {self.run_dir}")
            return None
        if not self.config.resume:
            raise ConfigError(f"{self.run_dir} already holds a checkpoint; pass --resume to continue "
                              "it, or choose another --out")
        state = read_state(existing)
        check_compatible(state, str(existing), self.model_config, self.tokenizer_hash)
        check_resume_options(state.get("train_config"), self.config, self.model_config.block_size, str(existing))
        return existing

    def _build(self) -> tuple[GPT, torch.optim.Optimizer, int, int]:
        """Model and optimizer, fresh or restored; returns (model, optimizer, step, data position)."""
        torch.manual_seed(self.config.seed)
        step, position = 0, 0
        if self.resume_from is None:
            model = GPT(self.model_config)
        else:
            model, state = load_model(self.resume_from, config=self.model_config)
            step, position = state["step"], state["data_position"]
        model.to(self.device)
        c = self.config
        optimizer = adamw(model, c.lr, c.weight_decay, (c.beta1, c.beta2), c.eps, self.device)
        torch.manual_seed(c.seed + self.processes.rank)  # dropout differs across processes
        if self.resume_from is not None:
            rng = load_training_state(self.resume_from, optimizer)
            if not distributed.restore_rng(rng, self.processes, self.device):
                log.warning("RNG states are for another process count; dropout is reseeded")
                torch.manual_seed(c.seed + 1000003 * step + self.processes.rank)
        return model, optimizer, step, position

    def _micro_batches(self, position: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        batches = []
        for first, count in rank_micro_batches(position, self.config.micro_batch, self.accumulation,
                                               self.processes.rank, self.processes.world_size):
            windows = self.train_shards.windows(self.order.starts(first, count), self.model_config.block_size + 1)
            batches.append(to_inputs_targets(windows, self.device))
        return batches

    def _validate(self, model: nn.Module) -> float:
        part = self.val_windows[self.processes.rank::self.processes.world_size]
        total, count = loss_sum(model, part, self.config.micro_batch, self._autocast_dtype)
        summed = distributed.sum_across([total, float(count)], self.device)
        return summed[0] / summed[1]

    def _step(self, runner: nn.Module, model: GPT, optimizer: torch.optim.Optimizer, step: int,
              position: int) -> tuple[float, float, float]:
        """One optimizer step on the global batch at `position`: (local loss, grad norm, lr)."""
        lr = self.schedule.lr(step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        batches = self._micro_batches(position)
        local_loss = 0.0
        for index, (x, y) in enumerate(batches):
            # DDP all-reduces gradients on the last micro-batch only
            last = index == len(batches) - 1
            sync = runner.no_sync() if isinstance(runner, DistributedDataParallel) and not last \
                else contextlib.nullcontext()
            with sync, torch.autocast(self.device.type, dtype=self.dtype,
                                      enabled=self._autocast_dtype is not None):
                _, micro_loss = runner(x, y)
                (micro_loss / len(batches)).backward()
            local_loss += float(micro_loss.detach()) / len(batches)
        grad_norm = float(nn.utils.clip_grad_norm_(model.parameters(), self.config.grad_clip or math.inf))
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return local_loss, grad_norm, lr

    @property
    def _autocast_dtype(self) -> torch.dtype | None:
        return None if self.dtype == torch.float32 else self.dtype

    def _save(self, model: GPT, optimizer: torch.optim.Optimizer, step: int, position: int,
              metrics: MetricsLog | None, extra: dict[str, Any]) -> Path | None:
        rng = distributed.rng_states(self.processes, self.device)  # a collective: every rank calls it
        if metrics is None:
            return None
        metrics.flush()
        return save_checkpoint(self.run_dir, model, optimizer, step=step, data_position=position,
                               tokenizer_hash=self.tokenizer_hash, shards_dir=str(self.config.data),
                               eot_id=self.train_shards.eot_id, rng=rng, keep=self.config.keep,
                               extra={"train_config": self.config, **extra})

    def _start(self, model: GPT, step: int) -> MetricsLog | None:
        """Write train_config.json (the settings) and run.json (what they resolved to); open the metrics log."""
        if not self.processes.is_main:
            return None
        c = self.config
        with writing(self.run_dir, "; free space there or choose another --out"):
            self.run_dir.mkdir(parents=True, exist_ok=True)
            save_config(self.run_dir / "train_config.json", train=c)
            save_config(self.run_dir / "run.json", model=self.model_config, batch={
                "accumulation": self.accumulation, "global_windows": self.global_windows,
                "world_size": self.processes.world_size, "dtype": str(self.dtype), "device": str(self.device)})
            keep_tokenizer(self.train_shards, self.train_shards.directory, self.run_dir)
        log.info("model %s: %s parameters; %d windows of %d tokens per step (%d x %d x %d processes)",
                 c.model, f"{model.num_params():,}", self.global_windows, self.model_config.block_size,
                 c.micro_batch, self.accumulation, self.processes.world_size)
        return MetricsLog(self.run_dir, step if self.resume_from else None, c.tensorboard)

    def _diverged(self, step: int, loss: float, grad_norm: float, metrics: MetricsLog | None) -> DivergedError:
        """The error for a step whose loss or gradient is not finite; the metrics so far are kept."""
        if metrics is not None:
            metrics.close()
        latest = find_checkpoint(self.run_dir)
        kept = f"the last checkpoint, {latest.name}, is kept" if latest else "no checkpoint was saved"
        return DivergedError(f"step {step}: the loss is {loss} and the gradient norm {grad_norm}, not finite; "
                             f"training stopped without saving and {kept}; resume from it with a lower --lr")

    def _wrap(self, model: GPT) -> nn.Module:
        """The module the steps call: compiled and/or wrapped in DDP as configured."""
        runner: nn.Module = model
        if self.config.compile:
            runner = torch.compile(model)  # type: ignore[assignment]
        if self.processes.distributed:
            runner = DistributedDataParallel(
                runner, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        return runner

    def run(self) -> TrainResult:
        """Train to `max_steps` (or a stop signal); returns how it ended."""
        c, processes = self.config, self.processes
        with _StopRequest() as stop:
            distributed.init(processes, self.device)
            if self.device.type == "cuda":
                torch.backends.cuda.matmul.allow_tf32 = True
                torch.backends.cudnn.allow_tf32 = True
            model, optimizer, step, position = self._build()
            metrics = self._start(model, step)
            runner = self._wrap(model)
            tokens_per_step = self.global_windows * self.model_config.block_size
            peak, flops_token = peak_flops(self.device, self.dtype), flops_per_token(model)
            loss = val_loss = math.nan
            checkpoint = None
            progress = bar(total=c.max_steps, desc=f"train {c.model}", unit="step",
                           disable=not (processes.is_main and c.progress))
            progress.update(step)
            while step < c.max_steps:
                started = time.perf_counter()
                local_loss, grad_norm, lr = self._step(runner, model, optimizer, step, position)
                step += 1
                position += self.global_windows
                # one all-reduce: the global batch's mean loss, and whether any process was signalled
                loss_total, stops = distributed.sum_across([local_loss, float(stop.signal is not None)],
                                                           self.device)
                loss = loss_total / processes.world_size
                if not (math.isfinite(loss) and math.isfinite(grad_norm)):
                    # every process sees the same summed loss and clipped norm, so all stop here
                    raise self._diverged(step, loss, grad_norm, metrics)
                rate = tokens_per_step / (time.perf_counter() - started)
                row: dict[str, Any] = {"step": step, "loss": loss, "lr": lr, "grad_norm": grad_norm,
                                       "tokens": step * tokens_per_step, "tokens_per_s": rate}
                postfix = {"loss": f"{loss:.4f}", "tok/s": f"{rate:,.0f}"}
                utilization = mfu(rate / processes.world_size, flops_token, peak)
                if utilization is not None:
                    row["mfu"] = utilization
                    postfix["mfu"] = f"{utilization:.1%}"
                if step == c.max_steps or (c.eval_every and step % c.eval_every == 0):
                    row["val_loss"] = val_loss = self._validate(model)
                if metrics is not None:
                    metrics.add(row)
                progress.set_postfix(postfix, refresh=False)
                progress.update(1)
                if step == c.max_steps or stops > 0 or (c.save_every and step % c.save_every == 0):
                    checkpoint = self._save(model, optimizer, step, position, metrics,
                                            {"metrics": {"loss": loss, "val_loss": val_loss}})
                if stops > 0:
                    break
            progress.close()
            if metrics is not None:
                metrics.close()
        return TrainResult(step=step, loss=loss, val_loss=None if math.isnan(val_loss) else val_loss,
                           checkpoint=checkpoint, stopped_by=(stop.signal or "SIGTERM") if step < c.max_steps else None)


def train(config: TrainConfig) -> TrainResult:
    """Run `config`'s training in this process (one of several under torchrun)."""
    trainer = Trainer(config)
    try:
        return trainer.run()
    finally:
        distributed.shutdown()

