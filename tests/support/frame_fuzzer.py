"""The fuzzer's frames (tests/interop/test_hostile_frames.py), drawn from a seeded random.

Mutations of real frames (bit flips, truncations, splices, mutated sync payloads) and made-up
ones: random CBOR, CBOR tags that decoders turn into objects (fractions, regexes, MIME
messages, bignums, big decimals), huge declared lengths and counts, deep nesting, text and
oversized frames, wrong document ids, forged sender ids, ephemeral floods and changes the
server must refuse. Every choice is drawn from one `random.Random`: a seed gives the frames.
"""

import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import cbor2
from automerge.core import Document, Message, SyncState

from server.crdt import leb128
from tests.support.automerge_docs import new_document_id
from tests.support.hostile_frames import HOSTILE, hostile_frame

Frame = bytes | str  # str: a WebSocket text frame


@dataclass
class Target:
    """What the frames aim at, and real frames to start from."""

    peer_id: str  # the attacker's own PeerId
    server_id: str
    document_id: str  # the document the official clients edit
    victims: list[str]  # the official clients' PeerIds
    captured: list[bytes]  # real frames of a sync of that document, both directions
    refused: list[bytes]  # real sync frames carrying changes the server must refuse
    max_message_bytes: int


def sync_message_with_changes(doc: Document, base: Document) -> bytes:
    """The sync message `doc` sends a peer holding `base` once it knows what that peer has."""
    mine, theirs = SyncState(), SyncState()
    other = Document.load(base.save())
    for _ in range(10):
        outgoing = doc.generate_sync_message(mine)
        if outgoing is None:
            break
        data = bytes(outgoing.encode())
        if doc.get_changes(other.get_heads()) and _carries_changes(data, other):
            return data
        other.receive_sync_message(theirs, Message.decode(data))
        reply = other.generate_sync_message(theirs)
        if reply is not None:
            doc.receive_sync_message(mine, reply)
    raise AssertionError("no sync message with changes was generated")


def _carries_changes(data: bytes, base: Document) -> bool:
    probe = Document.load(base.save())
    probe.receive_sync_message(SyncState(), Message.decode(data))
    return probe.get_heads() != base.get_heads()


class HostileFrames:
    """Draws (kind, frame) pairs; `kinds` maps each kind to its generator and weight."""

    def __init__(self, rng: random.Random, target: Target) -> None:
        self.rng = rng
        self.t = target
        self.budget: dict[str, int] = {}
        self.kinds: dict[str, tuple[Callable[[], Frame], float]] = {
            "bit-flip": (self.bit_flip, 8),
            "truncation": (self.truncation, 6),
            "splice": (self.splice, 4),
            "sync-data": (self.mutated_sync_data, 10),
            "sync-huge-count": (self.sync_huge_count, 3),
            "random-cbor": (self.random_cbor, 8),
            "cbor-tag": (self.cbor_tag, 8),
            "huge-length": (self.huge_length, 5),
            "many-items": (self.many_items, 1),
            "decoder-stress": (self.decoder_stress, 2),
            "deep-nesting": (self.deep_nesting, 4),
            "text": (self.text, 4),
            "big-text": (self.big_text, 1),
            "oversized": (self.oversized, 1),
            "wrong-document": (self.wrong_document, 6),
            "forged-sender": (self.forged_sender, 5),
            "ephemeral": (self.ephemeral, 10),
            "refused-change": (self.refused_change, 2),
            "replay": (self.replay, 6),
        }

    def limit(self, **budget: int) -> None:
        """At most this many frames of each named kind (big frames cost the CI box memory)."""
        self.budget.update({name.replace("_", "-"): n for name, n in budget.items()})

    def only(self, names: set[str]) -> None:
        """Draw only these kinds (to reproduce one kind of failure)."""
        unknown = names - set(self.kinds)
        assert not unknown, f"unknown frame kinds {unknown}; known: {sorted(self.kinds)}"
        self.kinds = {k: v for k, v in self.kinds.items() if k in names}

    def burst(self) -> Iterator[tuple[str, Frame]]:
        """One connection's frames: a few of any kind, or now and then a flood of ephemerals."""
        if "ephemeral" in self.kinds and self.rng.random() < 0.05:
            for _ in range(self.rng.randint(500, 3000)):
                yield "ephemeral", self.ephemeral()
            return
        for _ in range(self.rng.randint(1, 40)):
            yield self.draw()

    def draw(self) -> tuple[str, Frame]:
        names = [n for n in self.kinds if self.budget.get(n, 1) > 0]
        if not names:  # only kinds with a budget were asked for, and it is spent
            return "text", self.text()
        name = self.rng.choices(names, [self.kinds[n][1] for n in names])[0]
        if name in self.budget:
            self.budget[name] -= 1
        return name, self.kinds[name][0]()

    # ------------------------------------------------------------------ building blocks

    def _bytes(self, n: int) -> bytes:
        return self.rng.randbytes(n)

    def _text(self, n: int) -> str:
        alphabet = string.printable + "\u00e9\u2028\u0000\ud7ff\U0001f600"
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def _message(self, message_type: str, **fields: Any) -> dict[str, Any]:
        message = {
            "type": message_type,
            "senderId": self.t.peer_id,
            "targetId": self.t.server_id,
            "documentId": self.t.document_id,
        }
        message.update(fields)
        return message

    def _captured(self) -> bytes:
        return self.rng.choice(self.t.captured)

    def _flip(self, data: bytes, flips: int) -> bytes:
        out = bytearray(data)
        for _ in range(flips if out else 0):
            out[self.rng.randrange(len(out))] ^= 1 << self.rng.randrange(8)
        return bytes(out)

    def _mutate(self, data: bytes) -> bytes:
        choice = self.rng.randrange(4)
        if choice == 0:
            return self._flip(data, self.rng.randint(1, 8))
        if choice == 1:
            return data[: self.rng.randint(0, len(data))]
        if choice == 2:
            at = self.rng.randint(0, len(data))
            return data[:at] + self._bytes(self.rng.randint(1, 64)) + data[at:]
        other = self._sync_payloads()
        donor = self.rng.choice(other) if other else data
        return data[: self.rng.randint(0, len(data))] + donor[self.rng.randint(0, len(donor)) :]

    def _sync_payloads(self) -> list[bytes]:
        payloads = []
        for frame in self.t.captured + self.t.refused:
            decoded = cbor2.loads(frame)
            if isinstance(decoded.get("data"), bytes) and decoded.get("type") != "ephemeral":
                payloads.append(decoded["data"])
        return payloads

    # ------------------------------------------------------------------ kinds

    def bit_flip(self) -> Frame:
        return self._flip(self._captured(), self.rng.randint(1, 16))

    def truncation(self) -> Frame:
        frame = self._captured()
        return frame[: self.rng.randrange(len(frame))]

    def splice(self) -> Frame:
        a, b = self._captured(), self._captured()
        return a[: self.rng.randint(0, len(a))] + b[self.rng.randint(0, len(b)) :]

    def mutated_sync_data(self) -> Frame:
        """A well-formed envelope around a damaged Automerge sync message: reaches the engine."""
        data = self._mutate(self.rng.choice(self._sync_payloads()))
        return cbor2.dumps(self._message(self.rng.choice(["sync", "request"]), data=data))

    def sync_huge_count(self) -> Frame:
        """A sync message declaring billions of heads, needs, haves or changes."""
        huge = leb128.encode(self.rng.choice([2**31, 2**32 - 1, 2**53, 2**63 - 1, 2**64 - 1]))
        hash_ = self._bytes(32)
        version = self.rng.choice([b"\x42", b"\x43"])
        shapes = [
            version + huge + hash_,  # heads
            version + b"\x00" + huge + hash_,  # need
            version + b"\x00\x00" + huge,  # have
            version + b"\x00\x00\x01\x00" + huge + b"\x01",  # a bloom filter's length
            version + b"\x00\x00\x00" + huge + b"\x10" + self._bytes(16),  # changes
        ]
        return cbor2.dumps(self._message("sync", data=self.rng.choice(shapes)))

    def _random_value(self, depth: int = 0) -> Any:
        choice = self.rng.randrange(9 if depth < 4 else 6)
        simple: list[Any] = [
            None,
            cbor2.undefined,
            self.rng.random() < 0.5,
            self.rng.randint(-(2**64), 2**64),
            self.rng.random() * 10 ** self.rng.randint(-300, 300),
            self._text(self.rng.randint(0, 40)),
        ]
        if choice < len(simple):
            return simple[choice]
        if choice == 6:
            return self._bytes(self.rng.randint(0, 200))
        if choice == 7:
            return [self._random_value(depth + 1) for _ in range(self.rng.randint(0, 5))]
        keys: list[Any] = [self._text(6), self.rng.randint(-(2**64), 2**64), b"k", None, 1.5]
        return {
            self.rng.choice(keys): self._random_value(depth + 1)
            for _ in range(self.rng.randint(0, 5))
        }

    def random_cbor(self) -> Frame:
        if self.rng.random() < 0.3:
            return cbor2.dumps(self._random_value())
        types = ["sync", "request", "ephemeral", "join", "leave", "doc-unavailable", "x"]
        message = {k: self._random_value(1) for k in self.rng.sample(_FIELDS, 3)}
        message["type"] = self.rng.choice(types)
        if self.rng.random() < 0.5:
            message["senderId"] = self.t.peer_id
        return cbor2.dumps(message)

    def _tagged(self) -> cbor2.CBORTag:
        big = self.rng.choice([10**6, 10**9, 2**63, 10**18])
        n = self.rng.choice([1_000, 20_000, 200_000])
        tags = [
            cbor2.CBORTag(30, [self.rng.randint(1, 2**64) ** 8, self.rng.randint(1, 2**64) ** 8]),
            cbor2.CBORTag(30, [1, 0]),
            # Bignums of up to 200 KB as a fraction's terms (a gcd of such numbers is slow)
            # and as a decimal's mantissa.
            cbor2.CBORTag(30, [cbor2.CBORTag(2, self._bytes(n)), cbor2.CBORTag(2, self._bytes(n))]),
            cbor2.CBORTag(4, [-2, cbor2.CBORTag(2, self._bytes(n))]),
            cbor2.CBORTag(35, self.rng.choice(["(a+)+$", "(?:a{1000}){1000}", "(", "\\"])),
            cbor2.CBORTag(35, "x" * self.rng.randint(1, 100_000)),
            cbor2.CBORTag(36, "Content-Type: multipart/mixed; boundary=b\n\n" + "--b\n" * 5000),
            cbor2.CBORTag(2, self._bytes(self.rng.randint(1, 200_000))),
            cbor2.CBORTag(3, b"\xff" * self.rng.randint(1, 200_000)),
            cbor2.CBORTag(4, [big, 1]),
            cbor2.CBORTag(4, [-big, 10**100]),
            cbor2.CBORTag(5, [big, 3]),
            cbor2.CBORTag(1, float(big) ** 3),
            cbor2.CBORTag(0, self._text(30)),
            cbor2.CBORTag(37, self._bytes(16)),
            cbor2.CBORTag(258, [1, 1, [2]]),
            cbor2.CBORTag(29, 0),
            cbor2.CBORTag(24, self._bytes(40)),
            cbor2.CBORTag(self.rng.randint(6, 2**64 - 1), self._random_value(2)),
        ]
        return self.rng.choice(tags)

    def cbor_tag(self) -> Frame:
        message = self._message(
            self.rng.choice(["sync", "request", "ephemeral"]),
            data=self._bytes(10),
            sessionId="s",
            count=1,
        )
        message[self.rng.choice([*message, "extra"])] = self._tagged()
        if self.rng.random() < 0.3:
            return cbor2.dumps(self._tagged())
        return cbor2.dumps(message)

    def huge_length(self) -> Frame:
        """Headers declaring far more than the frame holds (8-byte lengths and counts)."""
        count = self.rng.choice([2**32 - 1, 2**62, 2**64 - 1, 10**12]).to_bytes(8, "big")
        head = cbor2.dumps(self._message("sync", data=b""))[:-1]  # all but the empty data
        shapes = [
            b"\x5b" + count + self._bytes(16),  # byte string
            b"\x7b" + count + b"abc",  # text string
            b"\x9b" + count + b"\x00\x00",  # array
            b"\xbb" + count + b"\x64type\x64sync",  # map
            head + b"\x5b" + count,  # `data` of a real envelope
            head[:1] + b"\x9b" + count,  # nonsense after a map header
            b"\x9f" * self.rng.randint(1, 50) + b"\x00",  # indefinite arrays, never closed
            b"\x5f" + b"\x41\x00" * self.rng.randint(1, 20_000),  # endless byte-string chunks
        ]
        return self.rng.choice(shapes)

    def many_items(self) -> Frame:
        """Real, not just declared, counts: millions of tiny items in an unknown field."""
        count = self.rng.choice([100_000, 1_000_000, 8_000_000])
        head = cbor2.dumps(self._message("sync", data=b"\x42\x00\x00\x01\x00\x00\x00"))
        head = bytes([head[0] + 1]) + head[1:]  # one more entry in the map: "pad"
        if self.rng.random() < 0.5:
            return head + b"\x63pad\x9a" + count.to_bytes(4, "big") + b"\x00" * count
        keys = b"".join(b"\x1a" + i.to_bytes(4, "big") + b"\x00" for i in range(count // 8))
        return head + b"\x63pad\xba" + (count // 8).to_bytes(4, "big") + keys

    def decoder_stress(self) -> Frame:
        """One of the codec tests' frames built to make a decoder work hard (up to 1 MiB)."""
        return hostile_frame(self.rng.choice(sorted(HOSTILE)))

    def deep_nesting(self) -> Frame:
        depth = self.rng.choice([50, 1_000, 100_000, 1_000_000])
        shapes = [
            b"\x81" * depth + b"\x00",  # arrays
            b"\xa1\x61a" * depth + b"\x00",  # maps
            b"\xd8\x1e" * depth + b"\x82\x01\x02",  # fraction tags
            b"\x9f" * depth + b"\xff" * depth,  # indefinite arrays
        ]
        nested: Any = self._message("sync", data=b"\x42")
        for _ in range(min(depth, 200)):
            nested = {"type": "sync", "data": nested}
        return self.rng.choice([*shapes, cbor2.dumps(nested)])

    def text(self) -> Frame:
        if self.rng.random() < 0.5:
            return self._text(self.rng.randint(0, 2000))
        return f'{{"type": "join", "senderId": "{self.t.peer_id}"}}'

    def big_text(self) -> Frame:
        return "x" * self.rng.randint(1 << 20, 8 << 20)

    def oversized(self) -> Frame:
        # Just over our limit (the server answers `error`), or over uvicorn's (it closes).
        return b"\x00" * (self.t.max_message_bytes + self.rng.choice([1, 2 << 20]))

    def wrong_document(self) -> Frame:
        document_id = self.rng.choice(
            [
                new_document_id(),  # well-formed, unknown
                self.t.document_id[:-1] + ("1" if self.t.document_id[-1] != "1" else "2"),
                "",
                self._text(self.rng.randint(1, 100)),
                "automerge:" + self.t.document_id,
                self.t.document_id * 50,
            ]
        )
        message_type = self.rng.choice(["sync", "request", "ephemeral", "doc-unavailable"])
        return cbor2.dumps(
            self._message(
                message_type, documentId=document_id, data=b"\x42\x00\x00\x01\x00\x00\x00"
            )
            | {"sessionId": "s", "count": 1}
        )

    def join_sender(self) -> str:
        """The PeerId to join with: mostly our own, sometimes (kind forged-sender) another."""
        roll = self.rng.random()
        if roll < 0.8 or "forged-sender" not in self.kinds:
            return self.t.peer_id
        if roll < 0.95:
            return self.rng.choice(self.t.victims)
        return self.rng.choice(STRANGE_PEER_IDS)

    def forged_sender(self) -> Frame:
        sender = self.rng.choice([*self.t.victims, self.t.server_id, *STRANGE_PEER_IDS])
        message_type = self.rng.choice(["join", "sync", "request", "ephemeral"])
        message = self._message(message_type, senderId=sender, sessionId="s", count=1)
        message["data"] = self.rng.choice(self._sync_payloads())
        if message_type == "join":
            message["supportedProtocolVersions"] = ["1"]
        return cbor2.dumps(message)

    def ephemeral(self) -> Frame:
        """Presence-like broadcasts, relayed to the official clients: valid CBOR inside.

        Session ids are new each time and now and then 16 KiB long: a server remembers
        (sender, session) pairs to drop duplicates.
        """
        pad = self._bytes(self.rng.choice([0, 100, 4096, 65536]) // 2).hex()
        payload = {"cursor": self.rng.randint(0, 10**6), "pad": pad}
        session = self._bytes(self.rng.choice([4, 12, 12, 8192])).hex()
        return cbor2.dumps(
            self._message(
                "ephemeral",
                sessionId=session,
                count=self.rng.randint(0, 2**31),
                data=cbor2.dumps(payload),
            )
        )

    def refused_change(self) -> Frame:
        return self.rng.choice(self.t.refused)

    def replay(self) -> Frame:
        return self._captured()


# PeerIds are the client's choice: empty, huge, or carrying a line break and a fake log line.
STRANGE_PEER_IDS = ["", "x" * 10_000, "peer\nERROR: a line forged by a client"]
_FIELDS = ["senderId", "targetId", "documentId", "data", "sessionId", "count", "peerMetadata"]
