"""The catalogue as a version sees it: a hash of the files without parsing them (for the
no-op check), and loading that reuses the previous version's validated snapshot for files whose
hash is unchanged (so an incremental build of a large catalogue does not re-parse every YAML).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from indexer import store
from indexer.catalog.loader import Catalog, load_catalog
from indexer.catalog.schema import FaqEntry, Glossary, Procedure
from indexer.errors import CatalogError


def catalog_files_hash(root: Path) -> str:
    """The catalogue content hash without parsing (same recipe as ``Catalog.content_hash``)."""
    root = Path(root)
    h = hashlib.sha256()
    for path in _catalog_files(root):
        h.update(str(path.relative_to(root)).encode())
        h.update(hashlib.sha256(path.read_bytes()).hexdigest().encode())
    return h.hexdigest()


def _catalog_files(root: Path) -> list[Path]:
    return sorted(
        [*(root / "procedures").glob("*.yaml"), *(root / "faq").glob("*.yaml"),
         *([root / "glossary.yaml"] if (root / "glossary.yaml").exists() else [])],
        key=lambda p: str(p.relative_to(root)),
    )


def _parse(path: Path, model: type[Any]) -> Any:
    import yaml
    from pydantic import ValidationError

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return model.model_validate(yaml.load(path.read_text(encoding="utf-8"), Loader=loader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc


def load_catalog_reusing(root: Path, previous: Path | None) -> Catalog:
    """Like ``load_catalog``, but files whose hash is unchanged since the ``previous`` version
    are taken from its validated snapshot instead of being parsed again (large catalogues)."""
    root = Path(root)
    if previous is None or not (root / "procedures").is_dir():
        return load_catalog(root)
    old_hashes: dict[str, str] = store.read_manifest(previous).get("document_hashes", {})
    snapshot = json.loads((previous / "catalog.json").read_text(encoding="utf-8"))
    old_items = {f"procedures/{p['id']}.yaml": p for p in snapshot["procedures"]}
    old_items.update({f"faq/{f['id']}.yaml": f for f in snapshot["faqs"]})
    hashes: dict[str, str] = {}
    procedures, faqs, glossary = [], [], None
    for path in _catalog_files(root):
        rel = str(path.relative_to(root))
        hashes[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        if rel == "glossary.yaml":
            glossary = _parse(path, Glossary)
            continue
        model = Procedure if rel.startswith("procedures/") else FaqEntry
        if old_hashes.get(rel) == hashes[rel] and rel in old_items:
            item = model.model_validate(old_items[rel])
        else:
            item = _parse(path, model)
        (procedures if model is Procedure else faqs).append(item)
    return Catalog(root=root, procedures=procedures, faqs=faqs, glossary=glossary,
                   file_hashes=hashes)
