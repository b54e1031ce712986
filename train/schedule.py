"""Learning-rate schedule: linear warm-up, then cosine decay to a floor.

GPT-2's paper gives no schedule; this is GPT-1's (Radford et al. 2018 §4.1: "increased linearly
from zero over the first 2000 updates and annealed to 0 using a cosine schedule") with the floor
of 10% of the peak used by GPT-3 (Brown et al. 2020, Appendix B) and Chinchilla. The rate is a
pure function of the step, so resuming from a checkpoint needs only the step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class CosineSchedule:
    """`lr(step)` for steps counted from 0."""

    peak_lr: float
    warmup_steps: int
    decay_steps: int  # step at which the floor is reached (and kept after)
    min_lr: float

    def lr(self, step: int) -> float:
        """The learning rate for optimizer step `step`."""
        if step < self.warmup_steps:
            return self.peak_lr * (step + 1) / self.warmup_steps
        if step >= self.decay_steps:
            return self.min_lr
        progress = (step - self.warmup_steps) / max(1, self.decay_steps - self.warmup_steps)
        return self.min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (self.peak_lr - self.min_lr)
