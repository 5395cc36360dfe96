"""Which items and proposals of a plan document one change wrote, from its own operations.

Each operation names the object it writes; the document's index (`ObjectPaths`, built once
from the whole history) gives that object's place: inside the item at `sections.<s>.<i>`, or
the proposal at `proposals.<i>`, or a list of them, or above. So a change costs its own
operations, however large the document (the binding's diff walked the whole document for
each change). The few operations that rewrite a list of items or proposals as a whole (the
document's creation, a replaced list) name everything in it: `Targets.lists`.
"""

from typing import NamedTuple

from server.crdt.change_ops import MAKE_MAP, Change, Op, OpId
from server.crdt.object_paths import Node, ObjectPaths

ALL = "*"
"""In `Targets.sections`: every section."""


class Targets(NamedTuple):
    items: dict[bytes, str]
    """Item object id -> its section, in the order the operations name them."""
    proposals: dict[bytes, None]
    sections: set[str]
    """Sections whose every item may have changed (ALL: every section)."""
    all_proposals: bool


def targets(change: Change, paths: ObjectPaths) -> Targets | None:
    """What `change` wrote; None if it writes to an object `paths` does not know."""
    found = Targets({}, {}, set(), all_proposals=False)
    for op in change.ops:
        chain = paths.chain(op.obj)
        if chain is None:
            return None
        if not chain:  # the root
            if op.key == "sections":
                found.sections.add(ALL)
            elif op.key == "proposals":
                found = found._replace(all_proposals=True)
        elif chain[0].key == "sections":
            _in_sections(op, chain, paths, found)
        elif chain[0].key == "proposals":
            found = _in_proposals(op, chain, paths, found)
    return found


def _in_sections(op: Op, chain: list[Node], paths: ObjectPaths, found: Targets) -> None:
    if len(chain) == 1:  # the map of sections: op.key names a section
        found.sections.add(op.key if isinstance(op.key, str) else ALL)
        return
    section = chain[1].key or ""
    if len(chain) >= 3:  # inside an item
        found.items.setdefault(chain[2].ref.id, section)
        return
    elements = _elements(op, paths)
    if elements is None:
        found.sections.add(section)
    for element in elements or ():
        found.items.setdefault(element, section)


def _in_proposals(op: Op, chain: list[Node], paths: ObjectPaths, found: Targets) -> Targets:
    if len(chain) >= 2:  # inside a proposal
        found.proposals.setdefault(chain[1].ref.id)
        return found
    elements = _elements(op, paths)
    if elements is None:
        return found._replace(all_proposals=True)
    for element in elements:
        found.proposals.setdefault(element)
    return found


def _elements(op: Op, paths: ObjectPaths) -> list[bytes] | None:
    """The maps an operation on a list made or wrote over; None if it cannot tell."""
    made = [paths.ref(op.id).id] if op.action == MAKE_MAP else []
    if op.insert:
        return made  # a new element; one that is not a map is neither item nor proposal
    if not isinstance(op.key, OpId):
        return None
    # A list element's id is the id of the operation that inserted it, which for a map
    # is the map's own id; an element that is not a known object cannot be told.
    node = paths.get(op.key)
    return None if node is None else [node.ref.id, *made]
