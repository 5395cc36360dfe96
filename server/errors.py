"""Domain errors raised by services and adapters; the edges map them to HTTP or wire errors."""


class DomainError(Exception):
    """Base of every error this server raises on purpose."""


class ProtocolError(DomainError):
    """A peer broke the sync protocol: it gets an `error` message and its connection closes.

    `reason` is the machine-readable code sent with it (architecture.md, "Why a connection
    loses a document"), `document_id` the document concerned, if one is.
    """

    def __init__(
        self, message: str, *, reason: str = "protocol-error", document_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.document_id = document_id


class StorageError(DomainError):
    """Persistence failed; whatever depended on it was not acknowledged."""


class InvalidInput(DomainError):
    """A request that can never succeed as sent (400)."""


class Unauthenticated(DomainError):
    """No valid credential (401)."""


class Forbidden(DomainError):
    """Authenticated, but not allowed (403)."""


class NotFound(DomainError):
    """Does not exist, or the caller may not know that it does (404)."""


class Conflict(DomainError):
    """Clashes with what exists (409)."""


class TooManyAttempts(DomainError):
    """Throttled (429)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NotConfigured(DomainError):
    """This server was not set up for what was asked (503): e.g. no SMTP server for mail."""


class Busy(DomainError):
    """Too much of this work is waiting already; the caller should retry shortly (503)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
