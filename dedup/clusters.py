"""Connected components of the near-duplicate graph with a union-find forest.

Candidate pairs from MinHash LSH are edges; documents joined by any path form one cluster, of
which the keep rule keeps one (transitive closure, as in Lee et al. 2022 and datatrove's MinHash
dedup). Nodes are keep keys (`webtext.dedup.keep.keep_key`), and `union` always hangs the
larger root under the smaller, so every root is the minimum keep key of its component: the
document to keep. Path halving keeps finds near-constant (Tarjan and van Leeuwen 1984). Partial
forests built on different workers merge with `absorb`, in any order, to the same components.
"""

from __future__ import annotations

from typing import Any


class UnionFind:
    """Disjoint sets of comparable nodes whose roots are each set's smallest node."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, node: Any) -> Any:
        """The root (smallest node) of `node`'s set; adds `node` if it is new."""
        parent = self.parent
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(self, first: Any, second: Any) -> None:
        """Join the sets of `first` and `second`."""
        a, b = self.find(first), self.find(second)
        if a != b:
            low, high = (a, b) if a < b else (b, a)
            self.parent[high] = low

    def absorb(self, other: UnionFind) -> None:
        """Add every set of `other` to this forest."""
        for node, parent in other.parent.items():
            self.union(node, parent)

    def roots(self) -> dict[Any, Any]:
        """Every node with its root."""
        return {node: self.find(node) for node in list(self.parent)}
