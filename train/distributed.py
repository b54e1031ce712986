"""Data-parallel training across processes: `torchrun` sets RANK, LOCAL_RANK and WORLD_SIZE.

Each process holds a full replica; PyTorch's DistributedDataParallel averages gradients with an
all-reduce during the backward pass (Li et al. 2020, "PyTorch Distributed"). The backend is
NCCL between GPUs and gloo between CPU processes. Without torchrun's variables this is one
process and nothing is initialised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Processes:
    """Where this process stands among the training processes."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def from_environment() -> Processes:
    """The process layout `torchrun` describes in the environment (one process without it)."""
    return Processes(rank=int(os.environ.get("RANK", 0)), local_rank=int(os.environ.get("LOCAL_RANK", 0)),
                     world_size=int(os.environ.get("WORLD_SIZE", 1)))


def init(processes: Processes, device: torch.device) -> None:
    """Join the process group (NCCL for GPUs, gloo for CPUs) when there are several processes."""
    if not processes.distributed or dist.is_initialized():
        return
    if device.type == "cuda":
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        dist.init_process_group("gloo")


def shutdown() -> None:
    """Leave the process group, if joined."""
    if dist.is_initialized():
        dist.destroy_process_group()


def sum_across(values: list[float], device: torch.device) -> list[float]:
    """Element-wise sum of `values` over all processes (the values themselves with one process)."""
    if not dist.is_initialized():
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()


def rng_states(processes: Processes, device: torch.device) -> dict[str, torch.Tensor]:
    """Every process's torch RNG states (CPU, and GPU when used), named `cpu.rank0`, `cuda.rank1`, ..."""
    local = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        local["cuda"] = torch.cuda.get_rng_state(device)
    if not dist.is_initialized():
        return {f"{name}.rank0": state for name, state in local.items()}
    states = {}
    for name, state in local.items():
        gathered = [torch.empty_like(state, device=device) for _ in range(processes.world_size)]
        dist.all_gather(gathered, state.to(device))
        states.update({f"{name}.rank{rank}": g.cpu() for rank, g in enumerate(gathered)})
    return states


def restore_rng(states: dict[str, torch.Tensor], processes: Processes, device: torch.device) -> bool:
    """Restore this process's RNG states from `states`; False when they are not there (a resume
    with another number of processes), and the caller reseeds instead."""
    cpu = states.get(f"cpu.rank{processes.rank}")
    if cpu is None or f"cpu.rank{processes.world_size}" in states:
        return False
    torch.set_rng_state(cpu)
    cuda = states.get(f"cuda.rank{processes.rank}")
    if device.type == "cuda" and cuda is not None:
        torch.cuda.set_rng_state(cuda, device)
    return True
