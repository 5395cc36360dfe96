"""REST bodies of Web Push, and the kinds of notification a person can choose."""

import enum
from typing import Annotated

import msgspec

MAX_ENDPOINT = 2048
Endpoint = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ENDPOINT)]
Key = Annotated[str, msgspec.Meta(max_length=128)]


class Kind(enum.StrEnum):
    PROPOSAL = "proposal"
    """A suggestion waits for the person (their plan)."""
    REVIEW_DUE = "review-due"
    """A review is due tomorrow (the plan's clinicians)."""
    MEMBERSHIP = "membership"
    """Someone joined or left the plan (its person)."""


class PushKey(msgspec.Struct, frozen=True, rename="camel"):
    public_key: str
    """The server's VAPID key, base64url: `applicationServerKey` of `pushManager.subscribe`."""
    kinds: list[Kind]
    """Every kind there is."""


class SubscriptionKeys(msgspec.Struct, frozen=True):
    p256dh: Key
    auth: Key


class SubscriptionCreate(msgspec.Struct, frozen=True):
    """What `PushSubscription.toJSON()` gives, and the kinds chosen."""

    endpoint: Endpoint
    keys: SubscriptionKeys
    kinds: Annotated[list[Kind], msgspec.Meta(max_length=len(Kind))]


class Subscription(msgspec.Struct, frozen=True):
    endpoint: str
    kinds: list[Kind]


class SubscriptionDelete(msgspec.Struct, frozen=True):
    endpoint: Endpoint


class Message(msgspec.Struct, frozen=True):
    """The payload a browser decrypts: generic words and where a tap leads, nothing else.

    Lock screens are seen by others: no names, no plan content, no titles.
    """

    title: str
    body: str
    url: str
    """The app's route to open (a hash route: the plan and its screen)."""
    tag: str
    """A newer notification of the same tag replaces the older one."""
