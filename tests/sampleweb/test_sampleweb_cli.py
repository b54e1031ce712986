"""`webtext sampleweb generate|serve` as a user runs them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from webtext.cli.main import main
from webtext.sampleweb.archive import REFUSED_ADDRESS, REFUSED_HOST
from webtext.sampleweb.site import build_site

WEBTEXT = str(Path(sys.executable).with_name("webtext"))


def test_generate_writes_dumps_hosts_eval_sets_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sampleweb", "generate", "--out", str(tmp_path), "--seed", "4", "--articles", "6",
                 "--port", "9000"]) == 0
    site = build_site(seed=4, port=9000, articles=6)
    assert capsys.readouterr().out.strip().endswith(f"for {len(site.posts)} posts to {tmp_path}")
    assert json.loads((tmp_path / "truth.json").read_text()) == json.loads(site.truth_json())
    assert sorted(p.name for p in (tmp_path / "dumps").iterdir()) == [f"RS_{m}.zst" for m in site.posts_by_month()]
    assert sorted(p.name for p in (tmp_path / "evalsets").iterdir()) == ["mixed.jsonl", "seen.jsonl", "unseen.jsonl"]
    assert (tmp_path / "hosts").read_text().splitlines()[1:] == [
        *(f"127.0.0.1 {host}" for host in site.hosts), f"{REFUSED_ADDRESS} {REFUSED_HOST}"]


def _default_ctrl_c() -> None:
    """Ctrl-C as a terminal delivers it: a process inherits an ignored SIGINT, and Python then
    leaves Ctrl-C ignored, so whatever the test process's own disposition, the server starts with
    the default one."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.timeout(120)
def test_serve_answers_until_ctrl_c(tmp_path: Path) -> None:
    with subprocess.Popen([WEBTEXT, "sampleweb", "serve", "--out", str(tmp_path), "--port", "0", "--articles", "6"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          preexec_fn=_default_ctrl_c) as server:
        assert server.stdout is not None
        shown = [server.stdout.readline() for _ in range(7)]
        assert shown[-1].strip() == "Ctrl-C to stop", shown
        listing = shown[1].split()[-1]  # "  listing API  http://127.0.0.1:PORT/r/.../new.json"
        with urllib.request.urlopen(listing, timeout=10) as response:
            assert json.load(response)["kind"] == "Listing"
        server.send_signal(signal.SIGINT)
        try:
            status = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            pytest.fail(f"still serving 60 s after Ctrl-C; its stderr: {server.communicate()[1][-2000:]!r}; "
                        f"SIGINT in the test process: {signal.getsignal(signal.SIGINT)!r}")
        assert status == 130
        assert server.stderr is not None and server.stderr.read().strip() == "interrupted"
    assert (tmp_path / "hosts").is_file() and (tmp_path / "truth.json").is_file()
