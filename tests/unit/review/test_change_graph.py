"""Ancestry in a document's change graph: from vector clocks, as from ancestor sets."""

import random

from automerge.core import Document

from server.crdt.engine import ChangeInfo, LiveDocument
from server.review.graph import ChangeGraph
from tests.support.automerge_docs import put

ACTORS = [bytes([n]) * 16 for n in (1, 2, 3)]


def random_history(seed: int) -> list[ChangeInfo]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible history, not a secret
    devices = [Document(actor_id=a) for a in ACTORS]
    for step in range(60):
        put(rng.choice(devices), f"k{step % 5}", str(step))
        if rng.random() < 0.3:
            a, b = rng.sample(devices, 2)
            a.merge(b)
    merged = Document()
    for device in devices:
        merged.merge(device)
    return LiveDocument(merged).history()


def test_clock_ancestry_agrees_with_ancestor_sets() -> None:
    for seed in range(4):
        history = random_history(seed)
        graph = ChangeGraph(history)
        sets = {c.hash: graph.ancestors(c.hash) for c in history}
        hashes = [c.hash for c in history]
        concurrent = 0
        for a in hashes:
            for b in hashes:
                assert graph.is_ancestor(a, b) == (a in sets[b])
                concurrent += graph.concurrent(a, b)
        assert concurrent > 0
        rng = random.Random(seed)  # noqa: S311 - reproducible samples
        for _ in range(50):
            chosen = set(rng.sample(hashes, 3))
            common = frozenset.intersection(*(sets[h] for h in chosen))
            expected = graph.heads_of(set(common)) if common else []
            assert graph.common_heads(chosen) == expected


def test_a_history_whose_actor_is_not_a_chain_is_answered_from_ancestor_sets() -> None:
    history = random_history(1)
    first = history[0]
    # The same actor's second change made without its first in view: no honest writer
    # makes one, but the graph must still answer right.
    forked = [first, ChangeInfo(**{**_fields(history[1]), "actor": first.actor, "deps": ()})]
    forked[1] = ChangeInfo(**{**_fields(forked[1]), "seq": first.seq + 1})
    graph = ChangeGraph(forked)

    assert graph.concurrent(forked[0].hash, forked[1].hash)
    assert graph.common_heads({forked[0].hash, forked[1].hash}) == []


def _fields(change: ChangeInfo) -> dict[str, object]:
    return {f: getattr(change, f) for f in change.__struct_fields__}
