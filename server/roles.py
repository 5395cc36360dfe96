"""A member's role in a plan: the one list of roles, for the server, the API and the client.

A `StrEnum`, so the OpenAPI document names it once (`Role`) and the generated client types
(`client/src/api/schema.gen.ts`) give the app the same list; values are compared and stored
as the plain strings they are ("person", ...).
"""

import enum


class Role(enum.StrEnum):
    PERSON = "person"
    """The plan is theirs: they read everything but carers' notes, and decide proposals."""
    CARER = "carer"
    CLINICIAN = "clinician"
    VIEWER = "viewer"
    """Reads what every member reads; writes nothing."""


INVITABLE = (Role.CARER, Role.CLINICIAN, Role.VIEWER)
"""The roles an invite can give (a plan has one person: whoever created it)."""

WRITERS = frozenset(Role) - {Role.VIEWER}
"""The roles the plan template may let write or propose to a section."""
