"""Read the catalogue directory (procedures, FAQ, glossary, and a profile's unserved.yaml) into
validated models."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from indexer.catalog.schema import FaqEntry, Glossary, Procedure, UnservedList, UnservedProcedure
from indexer.errors import CatalogError

UNSERVED_FILE = "unserved.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there


@dataclass(frozen=True)
class Catalog:
    root: Path
    procedures: list[Procedure]
    faqs: list[FaqEntry]
    glossary: Glossary | None
    file_hashes: dict[str, str] = field(default_factory=dict)
    # procedures known but not served (a province profile's unserved.yaml; see UnservedList)
    unserved: list[UnservedProcedure] = field(default_factory=list)

    @property
    def by_id(self) -> dict[str, Procedure]:
        return {p.id: p for p in self.procedures}

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.file_hashes):
            h.update(name.encode())
            h.update(self.file_hashes[name].encode())
        return h.hexdigest()


def read_yaml(path: Path) -> object:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read YAML: {exc}") from exc


def load_catalog(root: Path) -> Catalog:
    """Load and validate every file; raises on the first invalid file.

    ``python -m indexer validate`` reports every problem instead of stopping at the first.
    """
    root = Path(root)
    if not (root / "procedures").is_dir():
        raise CatalogError(f"{root}: no procedures/ directory")
    hashes: dict[str, str] = {}
    procedures = []
    for path in sorted((root / "procedures").glob("*.yaml")):
        hashes[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        procedures.append(Procedure.model_validate(read_yaml(path)))
    faqs = []
    for path in sorted((root / "faq").glob("*.yaml")) if (root / "faq").is_dir() else []:
        hashes[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        faqs.append(FaqEntry.model_validate(read_yaml(path)))
    glossary = None
    gpath = root / "glossary.yaml"
    if gpath.exists():
        hashes["glossary.yaml"] = hashlib.sha256(gpath.read_bytes()).hexdigest()
        glossary = Glossary.model_validate(read_yaml(gpath))
    unserved: list[UnservedProcedure] = []
    upath = root / UNSERVED_FILE
    if upath.exists():
        hashes[UNSERVED_FILE] = hashlib.sha256(upath.read_bytes()).hexdigest()
        unserved = UnservedList.model_validate(read_yaml(upath)).procedures
    return Catalog(root=root, procedures=procedures, faqs=faqs, glossary=glossary,
                   file_hashes=hashes, unserved=unserved)
