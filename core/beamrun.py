"""The local Beam runner: the engine of Beam's DirectRunner for batch pipelines, chosen directly.

Beam 2.77's `DirectRunner` first tries Prism, a runner written in Go that it downloads from
GitHub (`apache_beam-v2.77.0-prism-linux-amd64.zip`) on first use, and only when that fails
falls back to the `FnApiRunner`, the engine behind `direct_running_mode` and
`direct_num_workers`. Offline, every job paid for the failed download (0.4 s, measured on a
20-page job) and a request to the network; online, the job would run on another engine than the
one tested and measured here. `local_runner` builds the `FnApiRunner` exactly as the DirectRunner
does after its fallback: with the pipeline options in its provision info, which is how the SDK
workers it starts receive them (their log levels, for instance).
"""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.portability.api import beam_provision_api_pb2
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.portable_runner import JobServiceHandle

LOCAL_RUNNER = "FnApiRunner"


def local_runner(options: PipelineOptions) -> fn_runner.FnApiRunner:
    """The runner for `beam.Pipeline(runner=..., options=options)` on this machine (see above)."""
    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    info = beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)
    return fn_runner.FnApiRunner(provision_info=fn_runner.ExtendedProvisionInfo(info))
