"""Wire messages of automerge-repo's WebSocket protocol (2.5.x), names kept verbatim.

See ../shared/design/sync-protocol.md section 3. New fields must get defaults: clients on
older or newer builds send what they send, and unknown fields are ignored, never refused.

Identifiers are bounded when a frame is decoded (msgspec.Meta): the official client's are
short (PeerIds `peer-` + base36, sessionIds 11 base36 characters, storageIds UUIDs,
DocumentIds 27-28 characters), and the server keeps some of them in memory per connection.
"""

from typing import Annotated

import msgspec

from server.ids import MAX_DOCUMENT_ID_LENGTH, PeerId

PROTOCOL_VERSION = "1"
MAX_ID_LENGTH = 256  # PeerIds, storageIds, sessionIds: generous, still small

# No control characters (line breaks among them) nor Unicode line separators: ids are logged,
# and a client must not be able to write lines of its own into the server's log.
_PRINTABLE = "^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
Id = Annotated[str, msgspec.Meta(max_length=MAX_ID_LENGTH, pattern=_PRINTABLE)]
PeerIdField = Annotated[PeerId, msgspec.Meta(max_length=MAX_ID_LENGTH, pattern=_PRINTABLE)]
DocumentIdField = Annotated[str, msgspec.Meta(max_length=MAX_DOCUMENT_ID_LENGTH)]


class WireMessage(
    msgspec.Struct, tag_field="type", rename="camel", kw_only=True, omit_defaults=True
):
    sender_id: PeerIdField


class PeerMetadata(msgspec.Struct, rename="camel", kw_only=True):
    storage_id: Id | None = None
    is_ephemeral: bool = False


class JoinMessage(WireMessage, tag="join", kw_only=True):
    peer_metadata: PeerMetadata = msgspec.field(default_factory=PeerMetadata)
    # Absent means "1" (what the official server assumes).
    supported_protocol_versions: Annotated[list[Id], msgspec.Meta(max_length=64)] = msgspec.field(
        default_factory=lambda: ["1"]
    )


class PeerMessage(WireMessage, tag="peer", kw_only=True):
    target_id: PeerId
    selected_protocol_version: str
    peer_metadata: PeerMetadata


class ErrorMessage(WireMessage, tag="error", kw_only=True):
    """`message` is for people and logs; the rest is this server's extension (decision 27).

    `reason`: a machine-readable code (REASONS); `document_id`: the document it is about.
    A stock client only logs an `error`, so both are safe to add. An `error` that names a
    document does not close the connection: the peer lost that document only.
    """

    message: str
    target_id: PeerIdField | None = None
    reason: str | None = None
    document_id: DocumentIdField | None = None


# Why the server tells a peer it loses a document or its connection (ErrorMessage.reason).
ACCESS_REVOKED = "access-revoked"  # this account is no longer a member: document named
DOCUMENT_DELETED = "document-deleted"  # the plan was deleted (its owner's account): named
CHANGE_REFUSED = "change-refused"  # a change was refused (closes); document named
READ_ONLY = "read-only"  # a change from a read-only member (closes); document named
CREDENTIAL_REVOKED = "credential-revoked"  # signed out, or the token revoked (closes, 4401)
CREDENTIAL_EXPIRED = "credential-expired"  # closes, 4401
ACCOUNT_DELETED = "account-deleted"  # closes, 4401
UNAUTHENTICATED = "unauthenticated"  # no valid credential (closes, 4401)
PROTOCOL_ERROR = "protocol-error"  # anything else that closes the connection


class RequestMessage(WireMessage, tag="request", kw_only=True):
    """'Sync with me, and tell me explicitly if you don't have it' (a client lacking D)."""

    target_id: PeerIdField = PeerId("")
    document_id: DocumentIdField
    data: bytes


class SyncMessage(WireMessage, tag="sync", kw_only=True):
    target_id: PeerIdField = PeerId("")
    document_id: DocumentIdField
    data: bytes


class DocUnavailableMessage(WireMessage, tag="doc-unavailable", kw_only=True):
    target_id: PeerIdField = PeerId("")
    document_id: DocumentIdField


class EphemeralMessage(WireMessage, tag="ephemeral", kw_only=True):
    """App broadcasts and presence. `sender_id` is the ORIGINAL author, not the relaying peer."""

    target_id: PeerIdField = PeerId("")
    document_id: DocumentIdField
    session_id: Id
    count: Annotated[int, msgspec.Meta(ge=0)]
    data: bytes


class RemoteSubscriptionChangeMessage(WireMessage, tag="remote-subscription-change", kw_only=True):
    """Sent only by clients with enableRemoteHeadsGossiping; accepted and ignored."""


class RemoteHeadsChangedMessage(WireMessage, tag="remote-heads-changed", kw_only=True):
    """Sent only by clients with enableRemoteHeadsGossiping; accepted and ignored."""


class LeaveMessage(WireMessage, tag="leave", kw_only=True):
    """Defined upstream, never sent by the 2.5.x WebSocket client; accepted and ignored."""


FromClient = (
    JoinMessage
    | RequestMessage
    | SyncMessage
    | DocUnavailableMessage
    | EphemeralMessage
    | RemoteSubscriptionChangeMessage
    | RemoteHeadsChangedMessage
    | LeaveMessage
)
ToClient = PeerMessage | ErrorMessage | SyncMessage | DocUnavailableMessage | EphemeralMessage
DocumentMessage = RequestMessage | SyncMessage | DocUnavailableMessage | EphemeralMessage


class UnknownMessage(msgspec.Struct, frozen=True):
    """A well-formed message of a type this server does not know: logged and ignored."""

    type: str
