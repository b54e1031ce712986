"""Reports looked at as a person would: rendered by headless Chromium at a given window width.

`Chromium.overflow(page, width)` copies the report's folder (the page and the figures it shows) to a
scratch folder, adds a script that runs once the page and its images have loaded, and asks Debian's
`chromium` for the resulting DOM (`--dump-dom`). The script lists every element whose box reaches
past the page's right edge or starts left of it, and whether the page scrolls sideways, so a test
can say which table, figure or line of text is cut off. Chromium runs with the flags a closed
network needs (no background networking, no component updates), as root without its sandbox, and
with a fresh profile each time.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_MARK = "webtext-overflow"
_SCRIPT = f"""<script>
window.addEventListener("load", () => {{
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {{
    const box = element.getBoundingClientRect();
    if (box.width && (box.right > width + 0.5 || box.left < -0.5)) {{
      found.push(`${{element.tagName.toLowerCase()}} right=${{Math.round(box.right)}}: ` +
                 (element.textContent || element.getAttribute("src") || "").trim().slice(0, 60));
    }}
  }}
  const images = [...document.images].map(i => [i.getAttribute("src"), i.naturalWidth]);
  const result = {{width, scroll: document.documentElement.scrollWidth, found, images}};
  const out = document.createElement("pre");
  out.id = "{_MARK}";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
}});
</script>"""
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--hide-scrollbars", "--virtual-time-budget=10000"]


@dataclass(frozen=True)
class Layout:
    """What the page looked like at one window width."""

    width: int  # the page's width in CSS pixels
    scroll: int  # the document's scroll width: above `width` when the page scrolls sideways
    found: list[str]  # the elements past an edge, with the start of their text
    images: dict[str, int]  # each image's source and natural width (0: it did not load)


@dataclass(frozen=True)
class Chromium:
    """Debian's chromium at `binary`."""

    binary: str

    def overflow(self, page: Path, width: int, scratch: Path) -> Layout:
        """`page` (and the files beside it) rendered `width` CSS pixels wide."""
        folder = scratch / f"render-{width}"
        shutil.copytree(page.parent, folder, dirs_exist_ok=True)
        copy = folder / page.name
        text = copy.read_text(encoding="utf-8")
        copy.write_text(text.replace("</body>", _SCRIPT + "</body>"), encoding="utf-8")
        profile = scratch / f"profile-{width}"
        done = subprocess.run([self.binary, *_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},900",
                               "--dump-dom", copy.as_uri()], capture_output=True, text=True, timeout=120, check=False)
        found = re.search(rf'<pre id="{_MARK}">(.*?)</pre>', done.stdout, re.S)
        if found is None:
            raise AssertionError(f"chromium printed no layout for {page} (exit {done.returncode}): "
                                 f"{done.stderr.strip()[-500:]}")
        result = json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        return Layout(result["width"], result["scroll"], result["found"], dict(result["images"]))
