"""Export the catalogue's pydantic models as JSON Schema (``knowledge/schema/*.schema.json``)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from indexer.catalog.schema import FaqEntry, Glossary, Procedure

SCHEMAS: dict[str, type[BaseModel]] = {
    "procedure.schema.json": Procedure,
    "faq.schema.json": FaqEntry,
    "glossary.schema.json": Glossary,
}


def render_schema(model: type[BaseModel]) -> str:
    """The JSON Schema text for ``model``, stable across runs (sorted keys, trailing newline)."""
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(out_dir: Path) -> list[Path]:
    """Write every schema file into ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = out_dir / name
        path.write_text(render_schema(model), encoding="utf-8")
        written.append(path)
    return written
