"""Settings of `webtext sampleweb generate|serve` (mapped to flags by `webtext.core.config`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from webtext.core.config import setting
from webtext.sampleweb.site import DEFAULT_PORT

DEFAULT_DIR = Path("out/sampleweb")


@dataclass(frozen=True)
class SiteSettings:
    """`webtext sampleweb generate`: which sample web to generate, and where its files go."""

    out: Path = setting(DEFAULT_DIR, "output directory")
    seed: int = setting(0, "generator seed")
    articles: int = setting(120, "ordinary articles to generate")
    port: int = setting(DEFAULT_PORT, "port in every URL (serve: 0 picks a free one)")


@dataclass(frozen=True)
class ServeSettings(SiteSettings):
    """`webtext sampleweb serve`: the same, served on 127.0.0.1."""

    timeout_delay: float = setting(8.0, "seconds the timeout page waits before answering")
