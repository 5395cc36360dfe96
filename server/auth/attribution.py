"""Verified attribution: each Automerge actor id belongs to one account.

An actor id is chosen by the client, so it proves nothing by itself. The server binds it
to the account whose authenticated connection first delivered a change by it; a later
change by that actor from any other account is refused. Bindings are kept in memory (one
entry per device session, small) and persisted with the change rows that create them.
Where several processes share the database, the database decides a race (its `actors` key):
the loser's commit is refused and this process learns the binding (`learn`).
"""

from collections.abc import Iterable


class ActorBindings:
    def __init__(self, bindings: dict[bytes, str]) -> None:
        self._owners = bindings

    def owner(self, actor: bytes) -> str | None:
        return self._owners.get(actor)

    def learn(self, owners: dict[bytes, str]) -> None:
        """Take the database's bindings (another process bound these actors first)."""
        self._owners.update(owners)

    def release(self, actors: Iterable[bytes]) -> None:
        """Forget bindings whose last change was deleted (with the plan that held it)."""
        for actor in actors:
            self._owners.pop(actor, None)

    def claimable(self, account_id: str | None, actors: Iterable[bytes]) -> bool:
        """True if no actor is bound to another account (binds nothing)."""
        if account_id is None:
            return True
        return all(self._owners.get(a, account_id) == account_id for a in actors)

    def claim(self, account_id: str | None, actors: Iterable[bytes]) -> bool:
        """Bind unbound actors to the account; False (binding nothing) if any is another's."""
        if account_id is None:  # no accounts (OpenPolicy): nothing to verify against
            return True
        actors = list(actors)
        if any(self._owners.get(a, account_id) != account_id for a in actors):
            return False
        for actor in actors:
            self._owners.setdefault(actor, account_id)
        return True
