"""The console scripts: `webtext` (one subcommand per stage) and `beam` (runs pipeline files).

Each module here other than `main`, `beam` and private (`_`) ones contributes subcommands through a
`register(subparsers)` function; `main` discovers them, so adding a stage's commands means
adding one module.
"""

from webtext.core.progress import quiet_known_noise

quiet_known_noise()
