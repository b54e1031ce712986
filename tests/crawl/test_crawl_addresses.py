"""Hosts-file resolution and the private-address guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from webtext.core.errors import BadFileError
from webtext.crawl.spiders.addresses import is_public, read_hosts_file


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.216.34", True), ("2606:4700::1111", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("224.0.0.1", False), ("0.0.0.0", False), ("::1", False),
    ("fe80::1", False), ("fd00::1", False), ("::ffff:10.0.0.1", False), ("100.64.0.1", False),
])
def test_guard_refuses_non_public_addresses(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_hosts_file_maps_every_name_and_first_mapping_wins(tmp_path: Path) -> None:
    path = tmp_path / "hosts"
    path.write_text("# comment\n127.0.0.1 www.a.test  B.test.  # inline\n\n::1 c.test\n10.0.0.1 www.a.test\n")
    assert read_hosts_file(path) == {"www.a.test": "127.0.0.1", "b.test": "127.0.0.1", "c.test": "::1"}


@pytest.mark.parametrize(("text", "problem"), [("localhost 127.0.0.1\n", "not an IP address"),
                                               ("127.0.0.1\n", "an address without a host name")])
def test_bad_hosts_file_names_file_and_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "hosts"
    path.write_text("127.0.0.1 ok.test\n" + text)
    with pytest.raises(BadFileError, match=f"hosts at line 2: {problem}"):
        read_hosts_file(path)
