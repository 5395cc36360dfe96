"""The shared plan template loads, and its audiences are ones the server registers."""

import json
from pathlib import Path

import pytest

from server.plans.access import CARER_PREFIX, is_audience
from server.plans.template import TEMPLATE_PATH, TemplateError, load, plan_template, section


def test_the_repositorys_template_loads_with_audiences_the_server_accepts() -> None:
    template = plan_template()

    registered = [
        CARER_PREFIX + "some-user-id" if s.audience == "carer" else s.audience
        for s in template.sections
    ]

    assert template.sections, "the template has no sections"
    assert all(is_audience(a) for a in registered), registered
    assert section("safer") is not None
    assert section("safer") in template.sections
    assert section("no-such-section") is None


def _write(tmp_path: Path, change: dict[str, object], index: int = 0) -> Path:
    raw = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))
    raw["sections"][index].update(change)
    path = tmp_path / "template.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"audience": "neighbours"}, "audience"),
        ({"writers": ["person", "viewer"]}, "writers"),
        ({"proposers": ["stranger"]}, "proposers"),
        ({"itemKind": "poem"}, "itemKind"),
    ],
)
def test_a_template_with_unknown_audiences_or_roles_is_refused(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(TemplateError, match=message):
        load(_write(tmp_path, change))


def test_a_template_with_a_repeated_section_id_is_refused(tmp_path: Path) -> None:
    repeated = plan_template().sections[0].id

    with pytest.raises(TemplateError, match=f"duplicate section ids.*{repeated}"):
        load(_write(tmp_path, {"id": repeated}, index=1))
