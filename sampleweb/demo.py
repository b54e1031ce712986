"""`webtext demo`: WebText in miniature, every stage for real, on the offline sample web.

Steps: serve the sample web on 127.0.0.1; collect links from its listing API and its dump files
and crawl the pages into WARC (`webtext crawl run`); build the corpus and train its tokenizer
(`beam run pipelines/webtext.py`); train two tiny GPT-2 sizes (`webtext train`); measure
memorization against generalization (`webtext eval ...`); print where everything is and a
one-screen summary. Each step runs the same console command a user would, shown as it starts.

A second run reuses what is done. The crawl is incremental. Every other step writes a completion
record when it finishes, `<out>/steps/<step>.done.json`, holding what the step's result depends
on (its options and digests of its inputs), and is skipped only when that record matches the
current ones. Ctrl-C lets the running step stop cleanly (the trainer saves a checkpoint first);
the next run resumes an interrupted training run from its last checkpoint when its options are
unchanged, and trains from the start otherwise.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webtext.core.atomic import write_json
from webtext.core.config import setting
from webtext.core.errors import ConfigError
from webtext.sampleweb.demo_summary import print_summary
from webtext.sampleweb.server import RunningSampleWeb, start_sample_web
from webtext.sampleweb.site import DEFAULT_PORT, EVAL_SET_ABOUT

# Two sizes, so the evaluator can plot perplexity against parameters; learning rates suit their size.
MODELS = {"tiny": "3e-3", "mini": "2e-3"}
MICRO_BATCH = 32
INTERRUPTED = 128 + signal.SIGINT  # the exit status of a command stopped by Ctrl-C


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _digest(paths: Iterable[Path]) -> str:
    """sha256 over the names and bytes of `paths`, in order; a missing file counts by its name alone."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        if path.is_file():
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _checkpoint_files(run_dir: Path) -> list[Path]:
    """latest.json and the files of the checkpoint it names (what `--checkpoint run_dir` loads)."""
    pointer = run_dir / "latest.json"
    try:
        folder = run_dir / str(json.loads(pointer.read_text(encoding="utf-8"))["checkpoint"])
        return [pointer, *sorted(p for p in folder.iterdir() if p.is_file())]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return [pointer]  # no readable checkpoint: the evaluation runs, and says what is wrong


def _eval_sets_digest(web: RunningSampleWeb) -> str:
    """The evaluation sets' digest: the corpus is decontaminated against them, the evaluation reads them."""
    return _digest(Path(spec.split("=", 1)[1]) for spec in web.eval_sets)


def _read_options(path: Path) -> Any:
    """The options a step record holds; None when it is missing or unreadable (the step runs again)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("options")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None


def _pipeline_file() -> str:
    """pipelines/webtext.py, relative to the working directory when it is the repository root."""
    spec = importlib.util.find_spec("webtext.pipelines.webtext")
    path = Path(spec.origin if spec and spec.origin else "pipelines/webtext.py")
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


class Demo:
    """The demo's steps over one output directory, and their completion records."""

    def __init__(self, out: Path, steps: int, port: int) -> None:
        self.out, self.steps, self.port = out, steps, port
        self.step = 0
        self.started = time.monotonic()

    def header(self, text: str) -> None:
        self.step += 1
        print(f"\n[{self.step}/{self.steps}] {text}  ({time.monotonic() - self.started:.0f} s)", flush=True)

    def run(self, command: list[str]) -> None:
        """Run one step's command; on Ctrl-C, wait for it to stop cleanly (a second Ctrl-C kills it)."""
        print("$ " + shlex.join(command), flush=True)
        with subprocess.Popen(command) as process:
            try:
                code = process.wait()
            except KeyboardInterrupt:
                print("  interrupted: waiting for the step to stop cleanly (Ctrl-C again to kill it)", flush=True)
                try:
                    process.wait()
                except KeyboardInterrupt:
                    process.kill()
                    raise
                raise
        if code in (INTERRUPTED, -signal.SIGINT):
            # the step stopped for the same Ctrl-C, which the kernel may have delivered to one of the
            # sample web's server threads, where it interrupts no wait of this one
            raise KeyboardInterrupt
        if code != 0:
            raise ConfigError(f"demo step failed: {shlex.join(command)}")

    def record(self, name: str, state: str = "done") -> Path:
        """Where step `name` notes that it started (`state` "started") or finished ("done")."""
        return self.out / "steps" / f"{name}.{state}.json"

    def done(self, name: str, options: dict[str, Any], why: str) -> bool:
        """True (and say so) when step `name` finished with exactly these options."""
        if _read_options(self.record(name)) != options:
            return False
        print(f"  up to date ({why}; {self.record(name)}): skipped", flush=True)
        return True

    def begin(self, name: str, options: dict[str, Any]) -> bool:
        """Note that step `name` starts; True when an unfinished attempt with the same options came before."""
        self.record(name).unlink(missing_ok=True)
        same = _read_options(self.record(name, "started")) == options
        write_json(self.record(name, "started"), {"step": name, "options": options})
        return same

    def finish(self, name: str, options: dict[str, Any]) -> None:
        """Write step `name`'s completion record (atomically: a record is whole or absent)."""
        write_json(self.record(name), {"step": name, "options": options})
        self.record(name, "started").unlink(missing_ok=True)

    def crawl(self, web: RunningSampleWeb) -> None:
        self.header("collect Reddit links (listing API + monthly dumps) and crawl the pages into WARC")
        self.run([_bin("webtext"), "crawl", "run", "--api-base", web.api_base, "--subreddit",
                  *web.site.subreddits, "--sort", "new", "--dump", *map(str, web.dump_files),
                  "--hosts-file", str(web.hosts_file), "--allow-private", "--timeout", "3", "--retries", "1",
                  *web.archive_flags, "--store", str(self.out / "crawl" / "links.sqlite"),
                  "--warc-dir", str(self.out / "crawl" / "warc")])

    def corpus(self, web: RunningSampleWeb) -> None:
        self.header("build the corpus: extract, filter, dedup, decontaminate, split, train the BPE, tokenize")
        corpus, warcs = self.out / "corpus", sorted((self.out / "crawl" / "warc").glob("*.warc.gz"))
        flags = ["--vocab-size=4096", "--val-fraction=0.1", "--test-fraction=0.1"]
        options = {"flags": flags, "warc": _digest(warcs), "eval_sets": _eval_sets_digest(web)}
        if self.done("corpus", options, "same WARC files, evaluation sets and options"):
            return
        self.begin("corpus", options)
        self.run([_bin("beam"), "run", _pipeline_file(), f"--input={self.out}/crawl/warc/*.warc.gz",
                  f"--output={corpus}", *flags, *[f"--eval={spec}" for spec in web.eval_sets]])
        self.finish("corpus", options)

    def train(self, model: str, lr: str, steps: int) -> None:
        self.header(f"train GPT-2 '{model}' on the shards ({steps} steps)")
        name, run_dir, corpus = f"train-{model}", self.out / "checkpoints" / model, self.out / "corpus"
        options = {"model": model, "lr": lr, "steps": steps, "micro_batch": MICRO_BATCH,
                   "corpus": _digest([corpus / "manifest.json"])}
        if self.done(name, options, f"{steps} steps on the same shards"):
            return
        resume = self.begin(name, options) and (run_dir / "latest.json").is_file()
        if not resume and run_dir.exists():
            print(f"  {run_dir} is not a run with these options: training from the start", flush=True)
            shutil.rmtree(run_dir)
        self.run([_bin("webtext"), "train", "--data", str(corpus), "--model", model, "--out", str(run_dir),
                  "--max-steps", str(steps), "--micro-batch", str(MICRO_BATCH), "--lr", lr,
                  "--eval-every", str(max(1, steps // 4)), "--save-every", str(steps),
                  *(["--resume"] if resume else [])])
        self.finish(name, options)

    def evaluate(self, web: RunningSampleWeb) -> None:
        self.header("evaluate memorization vs generalization (overlap, perplexity, extraction)")
        evals, corpus = self.out / "eval", self.out / "corpus"
        checkpoints = [str(self.out / "checkpoints" / m) for m in MODELS]
        options = {"corpus": _digest([corpus / "manifest.json"]), "eval_sets": _eval_sets_digest(web),
                   "about": EVAL_SET_ABOUT,
                   "checkpoints": {m: _digest(_checkpoint_files(self.out / "checkpoints" / m)) for m in MODELS}}
        if self.done("eval", options, "same shards, evaluation sets and checkpoints"):
            return
        self.begin("eval", options)
        eval_args = ["--eval", *web.eval_sets, "--about", *(f"{name}={line}" for name, line in EVAL_SET_ABOUT.items())]
        self.run([_bin("webtext"), "eval", "overlap", "--train", str(corpus), *eval_args, "--out", str(evals)])
        self.run([_bin("webtext"), "eval", "perplexity", "--checkpoint", *checkpoints, "--shards", str(corpus),
                  *eval_args, "--out", str(evals)])
        self.run([_bin("webtext"), "eval", "memorization", "--checkpoint", *checkpoints, "--shards", str(corpus),
                  "--out", str(evals)])
        self.run([_bin("webtext"), "eval", "report", "--out", str(evals)])
        self.finish("eval", options)


@dataclass(frozen=True)
class DemoSettings:
    """`webtext demo`: where its outputs go, the sample web's port and how long the models train."""

    out: Path = setting(Path("out"), "output root")
    port: int = setting(DEFAULT_PORT, "sample web port")
    steps: int = setting(300, "training steps per model")


def run_demo(settings: DemoSettings) -> int:
    """`webtext demo`: every stage on the sample web, each step skipped when its record is current."""
    out = settings.out
    demo = Demo(out, steps=4 + len(MODELS), port=settings.port)
    demo.header(f"serve the sample web on 127.0.0.1:{settings.port}")
    try:
        web = start_sample_web(out / "sampleweb", port=settings.port, timeout_delay=5.0)
    except OSError as error:
        raise ConfigError(f"cannot serve the sample web on port {settings.port} ({error.strerror}): "
                          "pass --port with a free port") from error
    print(f"  {len(web.site.posts)} posts in {len(web.site.subreddits)} subreddits, {len(web.site.hosts)} hosts, "
          f"{len(web.dump_files)} monthly dumps, truth in {web.directory / 'truth.json'}")
    try:
        demo.crawl(web)
        demo.corpus(web)
        for model, lr in MODELS.items():
            demo.train(model, lr, settings.steps)
        demo.evaluate(web)
    finally:
        web.stop()
    print_summary(out, list(MODELS), time.monotonic() - demo.started)
    return 0
