"""Committed catalogue files that are generated or copied stay in sync with their source."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from indexer.catalog.jsonschema import SCHEMAS, render_schema
from indexer.catalog.validate import read_required_names, validate_catalog
from indexer.cli import main

SHARED_REQUIRED = Path(__file__).resolve().parents[2].parent / "shared" / "catalog" / (
    "required_procedures.txt"
)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_exported_schema_is_up_to_date(knowledge_dir: Path, name: str) -> None:
    committed = knowledge_dir / "schema" / name
    assert committed.exists(), f"run: python -m indexer schema ({name} missing)"
    assert committed.read_text(encoding="utf-8") == render_schema(SCHEMAS[name]), (
        f"{committed} is stale: run python -m indexer schema"
    )


def test_schema_command_writes_valid_json(tmp_path: Path) -> None:
    assert main(["schema", "--out", str(tmp_path)]) == 0
    procedure = json.loads((tmp_path / "procedure.schema.json").read_text(encoding="utf-8"))
    assert set(procedure["required"]) >= {"id", "name", "channels", "source", "example_questions"}
    assert procedure["properties"]["example_questions"]["minItems"] == 5


def test_required_list_matches_shared(knowledge_dir: Path) -> None:
    if not SHARED_REQUIRED.exists():
        pytest.skip(f"{SHARED_REQUIRED} not present (outside the shared workspace)")
    ours = (knowledge_dir / "required_procedures.txt").read_text(encoding="utf-8")
    assert ours == SHARED_REQUIRED.read_text(encoding="utf-8")


def test_committed_catalogue_is_valid(knowledge_dir: Path) -> None:
    """``python -m indexer validate`` on knowledge/: every problem is listed on failure."""
    report = validate_catalog(knowledge_dir, required=knowledge_dir / "required_procedures.txt",
                              display_base=knowledge_dir.parent)
    assert [str(p) for p in report.problems] == []
    assert report.procedures >= 100
    assert report.required_names == len(read_required_names(
        knowledge_dir / "required_procedures.txt"))


def test_exported_schema_accepts_the_fixture_and_rejects_a_bad_unit(knowledge_dir: Path) -> None:
    schema = json.loads((knowledge_dir / "schema" / "procedure.schema.json").read_text("utf-8"))
    fixture = Path(__file__).parent / "fixtures" / "catalog" / "valid" / "procedures"
    data = yaml.safe_load((fixture / "thu-tuc-thu-nghiem-a.yaml").read_text(encoding="utf-8"))
    data = json.loads(json.dumps(data, default=str))  # dates as ISO strings, as in JSON
    jsonschema.validate(data, schema)
    data["channels"][0]["time"]["unit"] = "tuần"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
