"""The catalogue as a version sees it: a hash of the files without parsing them (for the
no-op check), a snapshot of the validated items (``catalog.jsonl``), and loading that reuses
the previous version's snapshot for files whose hash is unchanged (so an incremental build of
a large catalogue neither re-parses every YAML nor serialises every procedure again).

``catalog.jsonl`` has one line per catalogue file, in catalogue order:
``{"file": "procedures/<id>.yaml", "kind": "procedure" | "faq" | "glossary" | "unserved",
"item": {...}}`` (``unserved.yaml``: a province profile's procedures known but not served).
An unchanged file's line is copied from the previous version as it is. Format-1 versions
have ``catalog.json`` (one object) instead; both are read.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from indexer import store
from indexer.catalog.loader import UNSERVED_FILE, Catalog, load_catalog
from indexer.catalog.schema import FaqEntry, Glossary, Procedure, UnservedList
from indexer.errors import CatalogError

SNAPSHOT = "catalog.jsonl"
LEGACY_SNAPSHOT = "catalog.json"  # format 1
KINDS = {"procedure": Procedure, "faq": FaqEntry, "glossary": Glossary, "unserved": UnservedList}
_FILE_RE = re.compile(r'^\{"file": ("(?:[^"\\]|\\.)*")')


def file_hashes(root: Path) -> dict[str, str]:
    """sha256 of every catalogue file, in catalogue order (procedures, FAQ, glossary,
    unserved)."""
    root = Path(root)
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in _catalog_files(root)}


def combined_hash(hashes: dict[str, str]) -> str:
    """Same recipe as ``Catalog.content_hash``."""
    h = hashlib.sha256()
    for rel in sorted(hashes):
        h.update(rel.encode())
        h.update(hashes[rel].encode())
    return h.hexdigest()


def catalog_files_hash(root: Path) -> str:
    """The catalogue content hash without parsing (same recipe as ``Catalog.content_hash``)."""
    return combined_hash(file_hashes(root))


def _catalog_files(root: Path) -> list[Path]:
    return sorted(
        [*(root / "procedures").glob("*.yaml"), *(root / "faq").glob("*.yaml"),
         *([root / "glossary.yaml"] if (root / "glossary.yaml").exists() else []),
         *([root / UNSERVED_FILE] if (root / UNSERVED_FILE).exists() else [])],
        key=lambda p: str(p.relative_to(root)),
    )


def kind_of_file(rel: str) -> str:
    if rel == "glossary.yaml":
        return "glossary"
    if rel == UNSERVED_FILE:
        return "unserved"
    return "procedure" if rel.startswith("procedures/") else "faq"


def parse_file(path: Path, kind: str) -> Any:
    import yaml
    from pydantic import ValidationError

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return KINDS[kind].model_validate(yaml.load(path.read_text(encoding="utf-8"),
                                                    Loader=loader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc


def snapshot_line(rel: str, item: Any) -> str:
    return json.dumps({"file": rel, "kind": kind_of_file(rel),
                       "item": item.model_dump(mode="json")}, ensure_ascii=False)


def snapshot_lines(vdir: Path) -> dict[str, str]:
    """``catalog.jsonl`` of a version as file -> line, without parsing the items."""
    path = Path(vdir) / SNAPSHOT
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _FILE_RE.match(line)
        rel = json.loads(match.group(1)) if match else json.loads(line)["file"]
        out[rel] = line
    return out


def write_snapshot(directory: Path, lines: list[str]) -> None:
    (Path(directory) / SNAPSHOT).write_text("".join(line + "\n" for line in lines),
                                            encoding="utf-8")


def snapshot_of(catalog: Catalog) -> list[str]:
    """Snapshot lines of a loaded catalogue, in its files' order."""
    files = {kind: [rel for rel in sorted(catalog.file_hashes) if kind_of_file(rel) == kind]
             for kind in KINDS}
    if len(files["procedure"]) != len(catalog.procedures) or len(files["faq"]) != len(
            catalog.faqs):  # a catalogue made in code: files named by id
        files = {"procedure": [f"procedures/{p.id}.yaml" for p in catalog.procedures],
                 "faq": [f"faq/{f.id}.yaml" for f in catalog.faqs], "glossary": ["glossary.yaml"],
                 "unserved": [UNSERVED_FILE]}
    items = {"procedure": catalog.procedures, "faq": catalog.faqs,
             "glossary": [catalog.glossary] if catalog.glossary is not None else [],
             "unserved": [UnservedList(procedures=catalog.unserved)] if catalog.unserved else []}
    return [snapshot_line(rel, item) for kind in ("procedure", "faq", "glossary", "unserved")
            for rel, item in zip(files[kind], items[kind])]


def read_items(vdir: Path) -> dict[str, dict[str, Any]]:
    """Every item of a version's snapshot as plain JSON data, keyed by file (either format)."""
    vdir = Path(vdir)
    if (vdir / SNAPSHOT).exists():
        out = {}
        with open(vdir / SNAPSHOT, encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                out[record["file"]] = record["item"]
        return out
    snapshot = json.loads((vdir / LEGACY_SNAPSHOT).read_text(encoding="utf-8"))
    out = {f"procedures/{p['id']}.yaml": p for p in snapshot["procedures"]}
    out.update({f"faq/{f['id']}.yaml": f for f in snapshot["faqs"]})
    if snapshot.get("glossary"):
        out["glossary.yaml"] = snapshot["glossary"]
    return out


def load_catalog_reusing(root: Path, previous: Path | None,
                         hashes: dict[str, str] | None = None) -> Catalog:
    """Like ``load_catalog``, but files whose hash is unchanged since the ``previous`` version
    are taken from its validated snapshot instead of being parsed again (large catalogues)."""
    root = Path(root)
    if previous is None or not (root / "procedures").is_dir():
        return load_catalog(root)
    old_hashes: dict[str, str] = store.read_manifest(previous).get("document_hashes", {})
    old_items = read_items(previous)
    hashes = hashes if hashes is not None else file_hashes(root)
    procedures, faqs, glossary, unserved = [], [], None, []
    for rel, digest in hashes.items():
        kind = kind_of_file(rel)
        if old_hashes.get(rel) == digest and rel in old_items:
            item = KINDS[kind].model_validate(old_items[rel])
        else:
            item = parse_file(root / rel, kind)
        if kind == "glossary":
            glossary = item
        elif kind == "unserved":
            unserved = item.procedures
        else:
            (procedures if kind == "procedure" else faqs).append(item)
    return Catalog(root=root, procedures=procedures, faqs=faqs, glossary=glossary,
                   file_hashes=dict(hashes), unserved=unserved)
