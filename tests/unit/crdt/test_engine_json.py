"""LiveDocument.to_json: a document as plain JSON, for exports."""

from datetime import datetime

from automerge.core import ROOT, Document, ObjType, ScalarType

from server.crdt.engine import LiveDocument
from tests.support.automerge_docs import add_item, plan_document


def test_a_plan_document_reads_as_the_json_the_client_sees() -> None:
    doc = plan_document("everyone", ["coping", "warning-signs"])
    add_item(doc, "coping", "a walk by the river")

    content = LiveDocument(doc).to_json()

    assert content["schema"] == 1
    assert content["audience"] == "everyone"
    assert content["sections"]["warning-signs"] == []
    [item] = content["sections"]["coping"]
    assert item["text"] == "a walk by the river"
    assert item["edit"] == {"at": 1}
    assert content["proposals"] == []


def test_every_scalar_kind_becomes_json() -> None:
    doc = Document()
    with doc.transaction() as tx:
        tx.put(ROOT, "int", ScalarType.Int, -3)
        tx.put(ROOT, "uint", ScalarType.Uint, 3)
        tx.put(ROOT, "float", ScalarType.F64, 1.5)
        tx.put(ROOT, "nan", ScalarType.F64, float("nan"))
        tx.put(ROOT, "yes", ScalarType.Boolean, True)
        tx.put(ROOT, "nothing", ScalarType.Null, None)
        tx.put(ROOT, "bytes", ScalarType.Bytes, b"\x00\xff")
        tx.put(ROOT, "when", ScalarType.Timestamp, datetime(2026, 11, 26, 14, 2))  # noqa: DTZ001
        tx.put(ROOT, "plain", ScalarType.Str, "a scalar string")

    assert LiveDocument(doc).to_json() == {
        "int": -3,
        "uint": 3,
        "float": 1.5,
        "nan": None,
        "yes": True,
        "nothing": None,
        "bytes": "AP8=",
        "when": "2026-11-26T14:02:00Z",
        "plain": "a scalar string",
    }


def test_deep_nesting_does_not_recurse() -> None:
    doc = Document()
    with doc.transaction() as tx:
        obj = ROOT
        for _ in range(3000):
            obj = tx.put_object(obj, "next", ObjType.Map)
        tx.put(obj, "end", ScalarType.Int, 1)

    content = LiveDocument(doc).to_json()

    depth = 0
    while "next" in content:
        content = content["next"]
        depth += 1
    assert depth == 3000
    assert content == {"end": 1}


def test_an_empty_document_is_an_empty_map() -> None:
    assert LiveDocument().to_json() == {}
