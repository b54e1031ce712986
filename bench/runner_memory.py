#!/usr/bin/env python3
"""How much of the data a shuffle moves stays in the driver of Beam's local runner.

The main job's steps hold one batch, one group or one shard at a time, yet `bench/scale.py` sees
the driver's peak memory grow with the input. This isolates the cause: a pipeline with no logic
of the job (100 kB strings made in the workers, grouped by key, counted) runs on the local runner
the job uses (`webtext.core.beamrun`, FnApiRunner, multi_processing, 2 workers) with two amounts
of data, in a fresh process each, and the driver's peak RSS is printed beside the data shuffled.
When the driver's growth follows the data, the runner keeps shuffled PCollections in the driver
(`FnApiRunnerExecutionContext.pcoll_buffers` in Beam's fn_api_runner/execution.py): a limit of
local runs, not of cluster runners, whose shuffles go through the engine.

    .venv/bin/python bench/runner_memory.py [--elements N] [--factor K]
"""

from __future__ import annotations

import os
import sys

# bench/tokenize.py would shadow the standard library's `tokenize`: move bench/ to the end.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    sys.path.append(sys.path.pop(0))

import argparse
import resource
import subprocess

ELEMENT_BYTES = 100_000


def driver_peak_mb(elements: int) -> float:
    """The driver's peak RSS (MB) of one run that shuffles `elements` strings of 100 kB."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from webtext.core.beamrun import default_runner, local_runner

    options = default_runner(PipelineOptions(["--direct_num_workers=2"]))
    with beam.Pipeline(runner=local_runner(options), options=options) as p:
        _ = (p | "Numbers" >> beam.Create(list(range(elements)), reshuffle=False)
             | "Spread" >> beam.Reshuffle()
             | "Strings" >> beam.Map(lambda i: (i % 1000, "x" * ELEMENT_BYTES))  # made in the workers
             | "Group" >> beam.GroupByKey()
             | "Count" >> beam.Map(lambda kv: sum(len(v) for v in kv[1])))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--elements", type=int, default=2000, help="elements of the smaller run (default: 2000)")
    parser.add_argument("--factor", type=int, default=3, help="the larger run has this many times more (default: 3)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(driver_peak_mb(args.child))
        return 0
    sizes = (args.elements, args.elements * args.factor)
    peaks = [float(subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True,
                                  check=True).stdout.split()[-1]) for n in sizes]
    for n, peak in zip(sizes, peaks, strict=True):
        print(f"{n} elements, {n * ELEMENT_BYTES / 1e6:,.0f} MB shuffled: driver peak RSS {peak:,.0f} MB")
    growth = (peaks[1] - peaks[0]) / ((sizes[1] - sizes[0]) * ELEMENT_BYTES / 1e6)
    print(f"driver growth per MB shuffled: {growth:.2f} MB (0 if the driver held none of it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
