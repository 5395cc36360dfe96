"""The plan template (`shared/plan-template.json`): sections, their audience, who writes them.

The client reads the same file (`client/src/docs/template.ts`); the server enforces its
write rules (`plans/write_rules.py`). It is validated when first loaded, then cached.
"""

import functools
from pathlib import Path
from typing import Literal

import msgspec

from server.roles import WRITERS, Role

TEMPLATE_PATH = Path(__file__).resolve().parent.parent.parent / "shared" / "plan-template.json"

AudienceKind = Literal["everyone", "person", "clinicians", "carer"]


class Section(msgspec.Struct, frozen=True, rename="camel"):
    id: str
    title: str
    prompt: str
    audience: AudienceKind
    item_kind: Literal["text", "contact"]
    writers: tuple[Role, ...]
    """Never a viewer (`roles.WRITERS`), as `load` checks."""
    proposers: tuple[Role, ...]
    crisis_card: int | None


class CrisisLine(msgspec.Struct, frozen=True, rename="camel"):
    name: str
    phone: str
    action: Literal["call", "sms"]
    note: str
    display: str | None = None
    body: str | None = None


class CrisisLines(msgspec.Struct, frozen=True, rename="camel"):
    directory_version: str
    lines: tuple[CrisisLine, ...]


class PlanTemplate(msgspec.Struct, frozen=True, rename="camel"):
    version: int
    audiences: dict[AudienceKind, str]
    sections: tuple[Section, ...]
    crisis_lines: CrisisLines


class TemplateError(ValueError):
    """The template file does not describe a valid plan."""


def load(path: Path) -> PlanTemplate:
    """Read and validate a template file (ids unique, audiences and roles known)."""
    try:
        template = msgspec.json.decode(path.read_bytes(), type=PlanTemplate)
    except msgspec.ValidationError as e:
        raise TemplateError(f"{path}: {e}") from e
    ids = [s.id for s in template.sections]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise TemplateError(f"{path}: duplicate section ids {duplicates}")
    for s in template.sections:
        for field, roles in (("writers", s.writers), ("proposers", s.proposers)):
            if not WRITERS.issuperset(roles):
                raise TemplateError(f"{path}: section {s.id}: {field} may not include viewers")
    return template


@functools.cache
def plan_template() -> PlanTemplate:
    """The repository's template, loaded once."""
    return load(TEMPLATE_PATH)


def section(section_id: str) -> Section | None:
    """The repository template's section with this id."""
    return _sections_by_id().get(section_id)


@functools.cache
def _sections_by_id() -> dict[str, Section]:
    return {s.id: s for s in plan_template().sections}
