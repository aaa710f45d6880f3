"""Write a province profile as a catalogue directory that ``validate`` and ``build`` read.

```
<out>/procedures/<id>.yaml   curated files copied byte for byte; imported ones generated
<out>/faq/*.yaml             the curated FAQ, copied
<out>/glossary.yaml          the curated glossary, copied
<out>/unserved.yaml          the imported procedures not served (to recognise, never to answer)
<out>/profile-report.json    one outcome per listed row, and the summary
```
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from indexer.catalog.loader import UNSERVED_FILE, read_yaml
from indexer.catalog.schema import UnservedList
from indexer.errors import IndexerError
from indexer.portal.importer import IMPORT_HEADER, check_out_dir, procedure_yaml
from indexer.province.profile import Profile

REPORT = "profile-report.json"


class ProfileWriteError(IndexerError):
    """The output directory holds files that are not the profile's to replace."""


def write_profile(profile: Profile, out: Path, *, curated_root: Path) -> Path:
    """Write ``profile`` to ``out`` (outside the repository or under its ignored ``var/``).

    Files a previous profile or import wrote that this one no longer has are removed; a file
    not written by a tool (no import header) is never touched, the command refuses instead.
    """
    out = check_out_dir(out)
    folder = out / "procedures"
    folder.mkdir(parents=True, exist_ok=True)
    curated_files = {p.stem: p for p in (Path(curated_root) / "procedures").glob("*.yaml")}
    wanted = {f"{p.id}.yaml" for p in profile.procedures}
    stale = [p for p in sorted(folder.glob("*.yaml")) if p.name not in wanted]
    foreign = [p.name for p in stale if not is_generated(p) and p.stem not in curated_files]
    if foreign:
        raise ProfileWriteError(
            f"{folder} holds files no tool wrote ({', '.join(foreign[:5])}); "
            "write the profile to an empty directory or remove them"
        )
    for path in stale:
        path.unlink()
    for procedure in profile.procedures:
        target = folder / f"{procedure.id}.yaml"
        source = curated_files.get(procedure.id)
        if source is not None:
            _replace_if_changed(target, source.read_bytes())
        else:
            text = procedure_yaml(procedure, command="profile")
            _replace_if_changed(target, text.encode("utf-8"))
    _write_faq(Path(curated_root) / "faq", out / "faq", {p.id for p in profile.procedures})
    glossary = Path(curated_root) / "glossary.yaml"
    if glossary.exists():
        _replace_if_changed(out / "glossary.yaml", glossary.read_bytes())
    _write_unserved(profile, out / UNSERVED_FILE)
    (out / REPORT).write_text(json.dumps(profile.report(), ensure_ascii=False, indent=1),
                              encoding="utf-8")
    return out


def _write_faq(source: Path, target: Path, served: set[str]) -> None:
    """Copy the curated FAQ; an entry that names procedures the profile leaves out keeps its
    answer but loses those links (``related_procedures`` must resolve)."""
    if target.is_dir():
        shutil.rmtree(target)
    if not source.is_dir():
        return
    target.mkdir(parents=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for path in sorted(source.glob("*.yaml")):
        data = read_yaml(path)
        related = data.get("related_procedures") if isinstance(data, dict) else None
        if not related or all(r in served for r in related):
            (target / path.name).write_bytes(path.read_bytes())
            continue
        data["related_procedures"] = [r for r in related if r in served]
        text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)
        (target / path.name).write_text(
            f"# Copied from {path.name} by python -m indexer profile; links to procedures this "
            "profile does not serve were removed.\n" + text, encoding="utf-8")


def _write_unserved(profile: Profile, target: Path) -> None:
    if not profile.unserved:
        if target.exists():
            target.unlink()
        return
    data = UnservedList(
        note="Procedures of the portal import this profile does not serve: the index recognises "
             "a question about one and answers that it is not in the catalogue. Never answered "
             "from.",
        procedures=profile.unserved).model_dump(mode="json", exclude_none=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = (f"{IMPORT_HEADER} by python -m indexer profile ({profile.name}):\n"
            "# the procedures this profile does not serve; do not edit by hand.\n"
            + yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100))
    _replace_if_changed(target, text.encode("utf-8"))


def _replace_if_changed(target: Path, data: bytes) -> None:
    """Leave an identical file alone, so the next ``build`` sees it unchanged."""
    if target.exists() and target.read_bytes() == data:
        return
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)


def is_generated(path: Path) -> bool:
    with path.open(encoding="utf-8") as handle:
        return handle.readline().startswith(IMPORT_HEADER)
