"""Domain errors raised by services and adapters; the edges map them to HTTP or wire errors."""


class DomainError(Exception):
    """Base of every error this server raises on purpose."""


class ProtocolError(DomainError):
    """A peer broke the sync protocol: it gets an `error` message and its connection closes."""


class StorageError(DomainError):
    """Persistence failed; whatever depended on it was not acknowledged."""
