"""A document's change graph (each change's deps): ancestry, and the heads of a set."""

from collections.abc import Iterable

from server.crdt.engine import ChangeInfo


class ChangeGraph:
    def __init__(self, history: list[ChangeInfo]) -> None:
        self._deps = {c.hash: c.deps for c in history}
        self._ancestors: dict[bytes, frozenset[bytes]] = {}

    def __contains__(self, change: bytes) -> bool:
        return change in self._deps

    def closure(self, heads: Iterable[bytes]) -> set[bytes]:
        """`heads` and all their ancestors (hashes this document does not know are skipped)."""
        seen: set[bytes] = set()
        stack = [h for h in heads if h in self._deps]
        while stack:
            change = stack.pop()
            if change not in seen:
                seen.add(change)
                stack.extend(self._deps[change])
        return seen

    def ancestors(self, change: bytes) -> frozenset[bytes]:
        """Every change `change` depends on, directly or not (itself excluded)."""
        if change not in self._ancestors:
            self._ancestors[change] = frozenset(self.closure(self._deps[change]))
        return self._ancestors[change]

    def concurrent(self, a: bytes, b: bytes) -> bool:
        """Neither change was made with the other in view."""
        return a != b and a not in self.ancestors(b) and b not in self.ancestors(a)

    def heads_of(self, changes: set[bytes]) -> list[bytes]:
        """The heads of a set closed under ancestry: members nothing else in it depends on."""
        covered = {d for c in changes for d in self._deps[c]}
        return sorted(changes - covered)
