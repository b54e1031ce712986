"""`webtext sampleweb`: generate and serve the offline sample web.

- `webtext sampleweb serve [--out DIR] [--port 8642] [--seed 0] [--articles 120]` writes the dump
  files, the hosts file, the evaluation sets and `truth.json` to DIR and serves the listing API
  and pages on 127.0.0.1 until interrupted.
- `webtext sampleweb generate --out DIR` writes the same files without serving.
"""

from __future__ import annotations

import argparse
import time

from webtext.core.config import add_arguments, from_namespace
from webtext.sampleweb.server import generate, serve
from webtext.sampleweb.settings import ServeSettings, SiteSettings


def _serve(args: argparse.Namespace) -> int:
    web = serve(from_namespace(ServeSettings, args))
    kept = sum(t.kept for t in web.truth.values())
    print(f"sample web on {web.api_base}: {len(web.site.posts)} posts, {len(web.site.hosts)} hosts, "
          f"{kept} pages that should reach the shards")
    print(f"  listing API  {web.api_base}/r/{'+'.join(web.site.subreddits)}/new.json")
    print(f"  dump files   {web.directory / 'dumps'}")
    print(f"  hosts file   {web.hosts_file}  (crawl with --hosts-file {web.hosts_file} --allow-private)")
    print(f"  eval sets    {' '.join(web.eval_sets)}")
    print(f"  truth        {web.directory / 'truth.json'}")
    print("Ctrl-C to stop", flush=True)
    try:
        while True:  # until Ctrl-C; waking every second handles one the kernel delivered to a server thread
            time.sleep(1)
    finally:
        web.stop()


def _generate(args: argparse.Namespace) -> int:
    files = generate(from_namespace(SiteSettings, args))
    print(f"wrote {len(files.dump_files)} dump files, evaluation sets, the hosts file and truth.json for "
          f"{len(files.site.posts)} posts to {files.directory}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sampleweb", help="generate and serve the offline sample web",
                                   description="The offline sample web: a Reddit-compatible listing API, "
                                               "monthly dump files and the linked pages, on 127.0.0.1.")
    commands = parser.add_subparsers(dest="sampleweb_command", metavar="COMMAND", required=True)
    serve_parser = commands.add_parser("serve", help="serve the sample web until interrupted")
    add_arguments(serve_parser, ServeSettings)
    serve_parser.set_defaults(func=_serve)
    generate_parser = commands.add_parser("generate", help="write dump files and truth.json without serving")
    add_arguments(generate_parser, SiteSettings)
    generate_parser.set_defaults(func=_generate)
