"""A document's change graph (each change's deps): ancestry, and the heads of a set.

Ancestry is read from vector clocks: each change's clock says, for every actor, the last of
its changes (by seq) the change was made with in view. An actor's changes form a chain (seq
1, 2, ... each made after the one before), so change (actor A, seq s) is an ancestor of
change c exactly when clock(c)[A] >= s: one lookup, where a set of every ancestor cost the
whole history per change. A history that breaks the chain (no honest Automerge writes one)
is answered from the ancestor sets instead.
"""

from collections.abc import Iterable

from server.crdt.engine import ChangeInfo

Clock = dict[bytes, int]


class ChangeGraph:
    def __init__(self, history: list[ChangeInfo]) -> None:
        self._deps = {c.hash: c.deps for c in history}
        self._ancestors: dict[bytes, frozenset[bytes]] = {}
        self._at = {c.hash: (c.actor, c.seq) for c in history}
        self._by_seq = {(c.actor, c.seq): c.hash for c in history}
        self._clocks: dict[bytes, Clock] | None = _clocks(history)

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

    def is_ancestor(self, a: bytes, b: bytes) -> bool:
        """`b` was made with `a` in view (`a` is not `b`)."""
        if self._clocks is None:
            return a in self.ancestors(b)
        actor, seq = self._at[a]
        return a != b and self._clocks[b].get(actor, 0) >= seq

    def concurrent(self, a: bytes, b: bytes) -> bool:
        """Neither change was made with the other in view."""
        return a != b and not self.is_ancestor(a, b) and not self.is_ancestor(b, a)

    def common_heads(self, changes: set[bytes]) -> list[bytes]:
        """The heads of the changes every one of `changes` was made with in view ([]: none)."""
        if self._clocks is None:
            common = frozenset.intersection(*(self.ancestors(h) for h in changes))
            return self.heads_of(set(common)) if common else []
        seen: Clock | None = None  # per actor, the last change all of them saw
        for change in changes:
            clock = self._seen(change)
            seen = clock if seen is None else {a: min(s, clock.get(a, 0)) for a, s in seen.items()}
        last = [self._by_seq[(a, s)] for a, s in (seen or {}).items() if s > 0]
        return sorted(h for h in last if not any(self.is_ancestor(h, o) for o in last))

    def heads_of(self, changes: set[bytes]) -> list[bytes]:
        """The heads of a set closed under ancestry: members nothing else in it depends on."""
        covered = {d for c in changes for d in self._deps[c]}
        return sorted(changes - covered)

    def _seen(self, change: bytes) -> Clock:
        """`change`'s clock without itself: what it was made with in view."""
        assert self._clocks is not None  # noqa: S101 - only called with clocks
        actor, seq = self._at[change]
        return {**self._clocks[change], actor: seq - 1}


def _clocks(history: list[ChangeInfo]) -> dict[bytes, Clock] | None:
    """Each change's clock (itself included); None if an actor's changes are not a chain.

    `history` lists dependencies first.
    """
    clocks: dict[bytes, Clock] = {}
    for change in history:
        clock: Clock = {}
        for dep in change.deps:
            if dep not in clocks:
                return None
            for actor, seq in clocks[dep].items():
                if clock.get(actor, 0) < seq:
                    clock[actor] = seq
        if clock.get(change.actor, 0) != change.seq - 1:
            return None
        clock[change.actor] = change.seq
        clocks[change.hash] = clock
    return clocks
