"""The page style and table splitting of `webtext.core.render`, looked at in headless Chromium.

A report whose table has a dozen columns of long numbers must fit a 1,280- and an 800-pixel
window; the same table drawn as one HTML table, as the reports did before tables were split,
must be caught by the check, so the check itself can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from webtext.core.render import Bullets, Heading, Paragraph, TableBlock, to_html

from tests.browser import Chromium
from tests.core.test_core_render import wide_table

WIDTHS = (1280, 800)


def test_a_report_with_a_wide_table_fits_the_window(chromium: Chromium, tmp_path: Path) -> None:
    page = tmp_path / "report" / "report.html"
    page.parent.mkdir()
    blocks = [Heading("A report", 1), Paragraph("x" * 400), Bullets(("y" * 300,)), TableBlock(wide_table(13))]
    page.write_text(to_html(blocks, "A report"), encoding="utf-8")
    for width in WIDTHS:
        layout = chromium.overflow(page, width, tmp_path)
        assert layout.found == [] and layout.scroll <= layout.width, (width, layout)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_check_catches_a_table_wider_than_the_window(chromium: Chromium, tmp_path: Path, width: int) -> None:
    page = tmp_path / "report" / "report.html"
    page.parent.mkdir()
    cells = "".join(f"<td>{10**12 + i:,}</td>" for i in range(13))
    page.write_text(f"<!DOCTYPE html><html><body><table><tr>{cells}</tr></table></body></html>", encoding="utf-8")
    layout = chromium.overflow(page, width, tmp_path)
    assert layout.scroll > layout.width
    assert any(found.startswith("table ") for found in layout.found)
