"""What one incoming sync message costs the server as a plan's history grows.

Two phones append one item each to the same list, as the SIGKILL test's writers do, and the
server takes in their messages through `LiveDocument.receive` (the copy and the binding's
`receive_sync_message`, which is what every message costs before our own checks). For a
list that already holds N appended items it reports the milliseconds per message:

- one item: a message carrying one new appended item;
- crossing: one item sent while the server's last change to that phone is still unanswered
  (two writers at once: the usual case under load);
- acknowledgement: a message without changes that answers the server's;
- ten items: a message carrying ten items, per item.

    .venv/bin/python scripts/measure_receive_cost.py [--sizes 1000 4000 12000] [--rounds 40]

Every Automerge peer pays the binding's part of this, clients and the reference server too:
see docs/benchmarks.md, "What a message costs as the history grows".
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from automerge.core import ROOT, Document, Message, ObjType, ScalarType, SyncState

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.crdt.engine import LiveDocument, PeerSyncState


KINDS = ["one item", "crossing", "acknowledgement", "ten items"]


class Phone:
    """A client's copy of the document and its sync state with the server."""

    def __init__(self, doc: Document, items: bytes) -> None:
        self.doc = doc
        self.items = items
        self.state = SyncState()
        self.server_side = PeerSyncState()  # the server's state for this phone
        self.written = 0

    def append(self, count: int = 1) -> None:
        for _ in range(count):
            with self.doc.transaction() as tx:
                tx.insert(
                    self.items, self.doc.length(self.items), ScalarType.Str, f"{self.written}"
                )
            self.written += 1

    def message(self) -> bytes | None:
        found = self.doc.generate_sync_message(self.state)
        return None if found is None else bytes(found.encode())

    def take(self, data: bytes | None) -> None:
        if data is not None:
            self.doc.receive_sync_message(self.state, Message.decode(data))


class Server:
    def __init__(self, doc: LiveDocument) -> None:
        self.doc = doc

    def receive(self, phone: Phone, data: bytes) -> float:
        start = time.perf_counter()
        received = self.doc.receive(phone.server_side, data)
        took = time.perf_counter() - start
        self.doc = received.document
        return took

    def reply(self, phone: Phone) -> bytes | None:
        return self.doc.generate(phone.server_side)


def history(size: int) -> tuple[Document, bytes]:
    doc = Document()
    with doc.transaction() as tx:
        items = tx.put_object(ROOT, "items", ObjType.List)
    for index in range(size):
        with doc.transaction() as tx:
            tx.insert(items, index, ScalarType.Str, f"{index}")
    return doc, items


def in_sync(server: Server, phones: list[Phone]) -> None:
    for _ in range(8):
        for phone in phones:
            data = phone.message()
            if data is not None:
                server.receive(phone, data)
            phone.take(server.reply(phone))


def measure(size: int, rounds: int) -> dict[str, float]:
    base, items = history(size)
    server = Server(LiveDocument.load(bytes(base.save())))
    a, b = Phone(base.fork(), items), Phone(base.fork(), items)
    in_sync(server, [a, b])
    took: dict[str, list[float]] = {k: [] for k in KINDS}

    def send(phone: Phone, kind: str, per: int = 1) -> None:
        data = phone.message()
        if data is not None:
            took[kind].append(server.receive(phone, data) / per)

    for _ in range(rounds):
        a.append()
        send(a, "one item")
        to_b = server.reply(b)  # A's item, on its way to B
        b.append()
        send(b, "crossing")  # B's item crosses it
        b.take(to_b)
        send(b, "acknowledgement")
        a.take(server.reply(a))
        send(a, "acknowledgement")
        b.take(server.reply(b))
    for _ in range(max(1, rounds // 4)):
        a.append(10)
        send(a, "ten items", per=10)
        a.take(server.reply(a))
        send(a, "acknowledgement")
    return {kind: statistics.median(values) * 1000 for kind, values in took.items() if values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 12000])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    print(
        f"{'items in the list':>18} " + " ".join(f"{k:>16}" for k in KINDS) + "  (ms per message;"
    )
    print(f"{'':>18} " + " " * 17 * 3 + f"{'per item':>16}" + "   median)")
    for size in args.sizes:
        got = measure(size, args.rounds)
        print(f"{size:>18,} " + " ".join(f"{got.get(k, float('nan')):>16.3f}" for k in KINDS))


if __name__ == "__main__":
    main()
