"""Provenance and parsing remarks are for maintainers (``source.remarks``), never in the text a
citizen is shown: notes, fee texts, conditions, status notes, FAQ answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from indexer.catalog.loader import Catalog, load_catalog
from indexer.catalog.schema import Procedure, Source

# Words a remark about where a value came from uses; none belongs in a citizen's answer.
PROVENANCE = ("bản ghi", "bản word", "bản chi tiết word", "json", "ô thời hạn", "ô số tiền",
              "mất đơn vị", "không kèm đơn vị", "taken from", "portal", "unit not in")
_PROVENANCE_RE = re.compile("|".join(re.escape(p) for p in PROVENANCE), re.IGNORECASE)
FIXTURE = Path(__file__).parent / "fixtures" / "catalog" / "valid"


def citizen_texts(model: BaseModel, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) for every string a citizen may be shown: all but ``source``."""
    for name, value in model:
        if name == "source":
            continue
        yield from _texts(value, f"{path}{name}")


def _texts(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from citizen_texts(value, f"{path}.")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, f"{path}[{i}]")


def provenance_in(model: BaseModel) -> list[str]:
    return [f"{path}: {text}" for path, text in citizen_texts(model)
            if _PROVENANCE_RE.search(text)]


@pytest.fixture(scope="module")
def catalogue(knowledge_dir: Path) -> Catalog:
    return load_catalog(knowledge_dir)


def test_no_provenance_remark_in_citizen_visible_fields(catalogue: Catalog) -> None:
    found = {p.id: hits for p in catalogue.procedures if (hits := provenance_in(p))}
    found.update({f.id: hits for f in catalogue.faqs if (hits := provenance_in(f))})
    assert found == {}, "move these to source.remarks"


def test_the_check_finds_a_remark_left_in_a_note() -> None:
    procedure = load_catalog(FIXTURE).procedures[0]
    assert provenance_in(procedure) == []
    channel = procedure.channels[0].model_copy(
        update={"note": 'Bản ghi trên cổng chỉ ghi "1" không kèm đơn vị.'})
    left = procedure.model_copy(update={"channels": [channel, *procedure.channels[1:]]})
    assert provenance_in(left) == [
        'channels[0].note: Bản ghi trên cổng chỉ ghi "1" không kèm đơn vị.']
    moved = procedure.model_copy(update={"source": procedure.source.model_copy(
        update={"remarks": ['channels[in_person].note: Bản ghi trên cổng chỉ ghi "1".']})})
    assert provenance_in(moved) == []


def test_remarks_name_channels_the_procedure_has(catalogue: Catalog) -> None:
    wrong = []
    for procedure in catalogue.procedures:
        kinds = {c.kind.value for c in procedure.channels}
        for remark in procedure.source.remarks:
            if m := re.match(r"channels\[([\w,]+)\]", remark):
                if not set(m.group(1).split(",")) <= kinds:
                    wrong.append((procedure.id, remark))
    assert wrong == []
    assert sum(len(p.source.remarks) for p in catalogue.procedures) > 0


@pytest.mark.parametrize("remark", ["Bản ghi trên cổng ghi miễn phí.", "channels.0.fee: x",
                                    "Trực tuyến: the portal record gives 1 without a unit"])
def test_a_remark_must_start_with_the_field_it_concerns(remark: str) -> None:
    with pytest.raises(ValidationError, match="starts with the field path"):
        Source(kind="portal", reference="Mã 1.000001", checked_at="2026-01-01", remarks=[remark])


def test_remarks_are_not_required() -> None:
    source = Source(kind="portal", reference="Mã 1.000001", checked_at="2026-01-01")
    assert source.remarks == []
    assert "remarks" in Procedure.model_json_schema()["$defs"]["Source"]["properties"]
