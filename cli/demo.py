"""`webtext demo`: WebText in miniature, every stage for real, on the offline sample web.

Steps: serve the sample web on 127.0.0.1; collect links from its listing API and its dump files
and crawl the pages into WARC (`webtext crawl run`); build the corpus and train its tokenizer
(`beam run pipelines/webtext.py`); train two tiny GPT-2 sizes (`webtext train`); measure
memorization against generalization (`webtext eval ...`); print where everything is and a
one-screen summary. Each step runs the same console command a user would, shown as it starts.
A second run reuses what is done: the crawl is incremental, and a step whose outputs are newer
than its inputs is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from webtext.cli._demo_summary import print_summary
from webtext.core.errors import ConfigError
from webtext.sampleweb.server import RunningSampleWeb, start_sample_web
from webtext.sampleweb.site import DEFAULT_PORT

# Two sizes, so the evaluator can plot perplexity against parameters; learning rates suit their size.
MODELS = {"tiny": "3e-3", "mini": "2e-3"}


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _newest(paths: Sequence[Path]) -> float:
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def _fresh(outputs: Sequence[Path], inputs: Sequence[Path]) -> bool:
    """True when every output exists and is newer than every input."""
    return all(p.exists() for p in outputs) and min(p.stat().st_mtime for p in outputs) >= _newest(inputs)


def _pipeline_file() -> str:
    """pipelines/webtext.py, relative to the working directory when it is the repository root."""
    spec = importlib.util.find_spec("webtext.pipelines.webtext")
    path = Path(spec.origin if spec and spec.origin else "pipelines/webtext.py")
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


class Demo:
    """The demo's steps over one output directory."""

    def __init__(self, out: Path, steps: int, port: int) -> None:
        self.out, self.steps, self.port = out, steps, port
        self.step = 0
        self.started = time.monotonic()

    def header(self, text: str) -> None:
        self.step += 1
        print(f"\n[{self.step}/{self.steps}] {text}  ({time.monotonic() - self.started:.0f} s)", flush=True)

    def run(self, command: list[str]) -> None:
        print("$ " + shlex.join(command), flush=True)
        if subprocess.run(command, check=False).returncode != 0:
            raise ConfigError(f"demo step failed: {shlex.join(command)}")

    def skip(self, why: str) -> None:
        print(f"  up to date ({why}): skipped", flush=True)

    def crawl(self, web: RunningSampleWeb) -> None:
        self.header("collect Reddit links (listing API + monthly dumps) and crawl the pages into WARC")
        self.run([_bin("webtext"), "crawl", "run", "--api-base", web.api_base, "--subreddit",
                  *web.site.subreddits, "--sort", "new", "--dump", *map(str, web.dump_files),
                  "--hosts-file", str(web.hosts_file), "--allow-private", "--timeout", "3", "--retries", "1",
                  "--store", str(self.out / "crawl" / "links.sqlite"), "--warc-dir", str(self.out / "crawl" / "warc")])

    def corpus(self, web: RunningSampleWeb) -> None:
        self.header("build the corpus: extract, filter, dedup, decontaminate, split, train the BPE, tokenize")
        corpus, warcs = self.out / "corpus", sorted((self.out / "crawl" / "warc").glob("*.warc.gz"))
        if _fresh([corpus / "manifest.json", corpus / "report.json"], warcs):
            self.skip(f"{corpus}/manifest.json is newer than the WARC files")
            return
        self.run([_bin("beam"), "run", _pipeline_file(), f"--input={self.out}/crawl/warc/*.warc.gz",
                  f"--output={corpus}", "--vocab-size=4096", "--val-fraction=0.1", "--test-fraction=0.1",
                  *[f"--eval-set={spec}" for spec in web.eval_sets]])

    def train(self, model: str, lr: str, steps: int) -> None:
        self.header(f"train GPT-2 '{model}' on the shards ({steps} steps)")
        run_dir = self.out / "checkpoints" / model
        if _fresh([run_dir / "metrics.jsonl", run_dir / "loss.png"], [self.out / "corpus" / "manifest.json"]):
            self.skip(f"{run_dir} is newer than the shards")
            return
        self.run([_bin("webtext"), "train", "--data", str(self.out / "corpus"), "--model", model, "--out", str(run_dir),
                  "--max-steps", str(steps), "--micro-batch", "32", "--lr", lr,
                  "--eval-every", str(max(1, steps // 4)), "--save-every", str(steps),
                  *(["--resume"] if any(run_dir.glob("step-*")) else [])])

    def evaluate(self, web: RunningSampleWeb) -> None:
        self.header("evaluate memorization vs generalization (overlap, perplexity, extraction)")
        evals, corpus = self.out / "eval", self.out / "corpus"
        checkpoints = [str(self.out / "checkpoints" / m) for m in MODELS]
        inputs = [corpus / "manifest.json", *(Path(c) / "metrics.jsonl" for c in checkpoints)]
        if _fresh([evals / "report.md"], inputs):
            self.skip(f"{evals}/report.md is newer than the shards and checkpoints")
            return
        eval_args = ["--eval", *web.eval_sets]
        self.run([_bin("webtext"), "eval", "overlap", "--train", str(corpus), *eval_args, "--out", str(evals)])
        self.run([_bin("webtext"), "eval", "perplexity", "--checkpoint", *checkpoints, "--shards", str(corpus),
                  *eval_args, "--out", str(evals)])
        self.run([_bin("webtext"), "eval", "memorization", "--checkpoint", *checkpoints, "--shards", str(corpus),
                  "--out", str(evals)])
        self.run([_bin("webtext"), "eval", "report", "--out", str(evals)])


def _demo(args: argparse.Namespace) -> int:
    out: Path = args.out
    demo = Demo(out, steps=4 + len(MODELS), port=args.port)
    demo.header(f"serve the sample web on 127.0.0.1:{args.port}")
    try:
        web = start_sample_web(out / "sampleweb", port=args.port, timeout_delay=5.0)
    except OSError as error:
        raise ConfigError(f"cannot serve the sample web on port {args.port} ({error.strerror}): "
                          "pass --port with a free port") from error
    print(f"  {len(web.site.posts)} posts in {len(web.site.subreddits)} subreddits, {len(web.site.hosts)} hosts, "
          f"{len(web.dump_files)} monthly dumps, truth in {web.directory / 'truth.json'}")
    try:
        demo.crawl(web)
        demo.corpus(web)
        for model, lr in MODELS.items():
            demo.train(model, lr, args.steps)
        demo.evaluate(web)
    finally:
        web.stop()
    print_summary(out, list(MODELS), time.monotonic() - demo.started)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run every stage on the offline sample web",
                                   description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="output root (default: out)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"sample web port (default: {DEFAULT_PORT})")
    parser.add_argument("--steps", type=int, default=300, help="training steps per model (default: 300)")
    parser.set_defaults(func=_demo)
