"""A protocol peer over a real WebSocket, speaking raw CBOR frames, with a real Automerge doc."""

import asyncio
from collections.abc import Callable
from typing import Any

import cbor2
import websockets
from automerge.core import Document, Message, SyncState
from websockets.asyncio.client import ClientConnection

from tests.support.automerge_docs import new_document_id

WAIT_S = 10.0


class WirePeer:
    def __init__(self, ws: ClientConnection, peer_id: str) -> None:
        self.ws = ws
        self.peer_id = peer_id
        self.server_id = ""
        self.docs: dict[str, Document] = {}
        self.states: dict[str, SyncState] = {}

    @classmethod
    async def connect(
        cls,
        url: str,
        peer_id: str | None = None,
        *,
        join: bool = True,
        headers: dict[str, str] | None = None,
    ) -> "WirePeer":
        ws = await websockets.connect(
            url, max_size=None, compression=None, additional_headers=headers
        )
        peer = cls(ws, peer_id or f"peer-{new_document_id()[:8]}")
        if join:
            await peer.join()
        return peer

    async def join(self, versions: list[str] | None = None) -> dict[str, Any]:
        await self.send(
            {
                "type": "join",
                "senderId": self.peer_id,
                "peerMetadata": {"storageId": cbor2.undefined, "isEphemeral": True},
                "supportedProtocolVersions": versions or ["1"],
            }
        )
        reply = await self.recv()
        if reply["type"] == "peer":
            self.server_id = reply["senderId"]
        return reply

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(cbor2.dumps(message))

    async def recv(self) -> dict[str, Any]:
        frame = await asyncio.wait_for(self.ws.recv(), WAIT_S)
        assert isinstance(frame, bytes)
        decoded: dict[str, Any] = cbor2.loads(frame)
        return decoded

    async def recv_type(self, message_type: str) -> dict[str, Any]:
        while (message := await self.recv())["type"] != message_type:
            pass
        return message

    async def closed(self, answering: str | None = None) -> tuple[int | None, list[dict[str, Any]]]:
        """Read until the server closes; return its close code and what it sent before.

        `answering`: a document whose sync messages are answered meanwhile (`push`).
        """
        seen: list[dict[str, Any]] = []
        try:
            while True:
                message = await self.recv()
                seen.append(message)
                if answering is not None and _is_sync_for(message, answering):
                    await self._answer(answering, message)
        except websockets.ConnectionClosed:
            pass
        except TimeoutError:
            # Say how far the server got: no error message, an error but no close frame, or
            # a close frame but no end of the connection.
            protocol = self.ws.protocol
            raise AssertionError(
                f"the server did not close within {WAIT_S} s: received {str(seen)[:2000]}, "
                f"state {protocol.state.name}, close frame received {protocol.close_rcvd}"
            ) from None
        return self.ws.protocol.close_rcvd.code if self.ws.protocol.close_rcvd else None, seen

    def doc(self, doc_id: str) -> Document:
        if doc_id not in self.docs:
            self.docs[doc_id] = Document()
            self.states[doc_id] = SyncState()
        return self.docs[doc_id]

    async def send_sync(self, doc_id: str, data: bytes, message_type: str = "sync") -> None:
        await self.send(
            {
                "type": message_type,
                "senderId": self.peer_id,
                "targetId": self.server_id,
                "documentId": doc_id,
                "data": data,
            }
        )

    async def sync(self, doc_id: str) -> None:
        """Run the sync protocol for one document until both sides are quiet."""
        doc = self.doc(doc_id)
        state = self.states[doc_id]
        outgoing = doc.generate_sync_message(state)
        if outgoing is None:
            return
        await self.send_sync(doc_id, bytes(outgoing.encode()))
        while True:
            reply = await self.recv_for(doc_id)
            doc.receive_sync_message(state, Message.decode(reply["data"]))
            outgoing = doc.generate_sync_message(state)
            if outgoing is None:
                return
            await self.send_sync(doc_id, bytes(outgoing.encode()))

    async def sync_once(self, doc_id: str) -> None:
        """Send the next sync message for the document, if there is one; expect no reply."""
        outgoing = self.doc(doc_id).generate_sync_message(self.states[doc_id])
        assert outgoing is not None
        await self.send_sync(doc_id, bytes(outgoing.encode()))

    async def push(self, doc_id: str) -> tuple[int | None, list[dict[str, Any]]]:
        """Send the document's changes and answer the server until it closes the socket.

        The changes may go in a later message than the first: Automerge may advertise its
        heads before sending what they hold, or the server may still be answering the last
        message of a download, and then asks for them (`need`). Returns what `closed` does.
        """
        await self.sync_once(doc_id)
        return await self.closed(answering=doc_id)

    async def _answer(self, doc_id: str, message: dict[str, Any]) -> None:
        doc, state = self.doc(doc_id), self.states[doc_id]
        doc.receive_sync_message(state, Message.decode(message["data"]))
        outgoing = doc.generate_sync_message(state)
        if outgoing is not None:
            await self.send_sync(doc_id, bytes(outgoing.encode()))

    async def receive_until(
        self, doc_id: str, done: Callable[[Document], bool], *, request: bool = False
    ) -> None:
        """Take sync messages the server sends (after asking, with `request`) until `done`."""
        doc = self.doc(doc_id)
        state = self.states[doc_id]
        if request:
            outgoing = doc.generate_sync_message(state)
            assert outgoing is not None
            await self.send_sync(doc_id, bytes(outgoing.encode()), "request")
        while not done(doc):
            message = await self.recv_for(doc_id)
            doc.receive_sync_message(state, Message.decode(message["data"]))
            outgoing = doc.generate_sync_message(state)
            if outgoing is not None:
                await self.send_sync(doc_id, bytes(outgoing.encode()))

    async def recv_for(self, doc_id: str) -> dict[str, Any]:
        while True:
            message = await self.recv()
            if message.get("documentId") == doc_id:
                assert message["type"] == "sync", message
                return message

    async def close(self) -> None:
        await self.ws.close()


def _is_sync_for(message: dict[str, Any], doc_id: str) -> bool:
    return message["type"] == "sync" and message.get("documentId") == doc_id
