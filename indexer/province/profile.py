"""A province profile: the procedures a province's list names, with their facts from the portal
import and the curated catalogue winning where both have a procedure.

Every listed row gets one outcome, so a maintainer can see why a procedure is not served:

- ``curated``: a record of ``knowledge/`` has the code; it is served as written there.
- ``imported``: the portal import has the code.
- ``renamed``: the code is not in the import, but exactly one imported record of the same field
  has the same name (the list predates the 1 July 2025 reform, after which many procedures got
  new codes). Served under the imported record's code.
- ``district_unmatched``: the listed name is a district-level (cấp huyện) procedure and no
  post-reform record was found. The district level no longer exists; never served as such.
- ``pre_reform_record``: the only record found still names the district level.
- ``no_record``: the code is not in the import and no record has its name.
- ``ambiguous_name``: several imported records have the name; not guessed.
- ``internal_code`` / ``test_row``: not a national procedure code / a portal test entry.
- ``duplicate``: the code is listed again on another row (served once).

The imported records the profile does not serve are kept as ``unserved`` (name, field, level,
who; nothing else): the index recognises a question about one of them and says the procedure
is not in the province's catalogue, instead of answering with a served neighbour. Left out of
that list: a record whose name a served procedure also has, also once parenthesised
qualifiers are set aside ("Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp trung
ương)" when the province serves "Cấp hộ chiếu phổ thông ở trong nước": the question cannot tell
them apart, and the served one answers it), abolished records, and records that still name the
district level.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from indexer.catalog.schema import Procedure, UnservedProcedure
from indexer.province.listing import ProvinceList, names_district_level
from vntext import fold_lower

SERVED = ("curated", "imported", "renamed")
_PREFIX_RE = re.compile(r"^thu tuc\s+")
_NOT_WORD_RE = re.compile(r"[^a-z0-9 ]+")
_LEVEL_MARK_RE = re.compile(r"\(\s*cap (?:tinh|xa|huyen|trung uong)\s*\)")


def name_key(name: str) -> str:
    """A name compared without case, diacritics, punctuation or a leading "Thủ tục"."""
    key = fold_lower(name)
    key = _LEVEL_MARK_RE.sub(" ", key)
    key = _NOT_WORD_RE.sub(" ", key)
    return _PREFIX_RE.sub("", " ".join(key.split()))


def _field_words(text: str) -> set[str]:
    return {w for w in name_key(text).split() if len(w) > 1}


def same_field(listed: str, record: str) -> bool:
    """Fields are spelled differently in the list and the portal ("[SVH] - Du lịch" vs
    "Du lịch"): half of the shorter one's words in common is enough."""
    a, b = _field_words(listed), _field_words(record)
    if not a or not b:
        return True
    return len(a & b) / min(len(a), len(b)) >= 0.5


@dataclass
class RowOutcome:
    row: int
    service_code: str
    code: str | None
    name: str
    field: str
    outcome: str
    procedure_id: str | None = None
    served_code: str | None = None
    district_level: bool = False
    note: str = ""


@dataclass
class Profile:
    name: str
    procedures: list[Procedure] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)
    curated_unlisted: list[str] = field(default_factory=list)  # curated ids served anyway
    unserved: list[UnservedProcedure] = field(default_factory=list)  # known, not served

    def summary(self) -> dict[str, object]:
        outcomes = Counter(r.outcome for r in self.rows)
        codes = {r.code for r in self.rows if r.code}
        served_codes = {r.code for r in self.rows if r.code and r.outcome in SERVED}
        district = [r for r in self.rows if r.district_level and r.outcome != "duplicate"]
        return {
            "profile": self.name,
            "listed_rows": len(self.rows),
            "listed_national_codes": len(codes),
            "served_listed_codes": len(served_codes),
            "served_share_of_codes": round(len(served_codes) / len(codes), 4) if codes else 0.0,
            "outcomes": dict(sorted(outcomes.items())),
            "district_level_rows": len(district),
            "district_level_served_post_reform": sum(r.outcome in SERVED for r in district),
            "procedures": len(self.procedures),
            "curated_not_in_list": len(self.curated_unlisted),
            "unserved_known": len(self.unserved),
        }

    def report(self) -> dict[str, object]:
        return {"summary": self.summary(), "rows": [asdict(r) for r in self.rows],
                "curated_not_in_list": self.curated_unlisted}


def _names_index(imported: dict[str, Procedure]) -> dict[str, list[Procedure]]:
    index: dict[str, list[Procedure]] = defaultdict(list)
    for procedure in imported.values():
        index[name_key(procedure.name)].append(procedure)
    return index


def build_profile(name: str, listing: ProvinceList, *, imported: dict[str, Procedure],
                  curated: list[Procedure], include_unlisted_curated: bool = True) -> Profile:
    """Choose the province's procedures. ``imported`` is keyed by code (``import-portal``);
    ``curated`` are the ``knowledge/`` records, which win over an import of the same code."""
    profile = Profile(name)
    curated_by_code = {p.code: p for p in curated if p.code}
    # a curated record without a verified code still wins over an import of the same name
    curated_by_name = {name_key(n): p for p in curated if not p.code for n in p.all_names()}
    by_name = _names_index(imported)
    chosen: dict[str, Procedure] = {}  # by procedure id, in list order
    seen_codes: set[str] = set()
    for row in listing.rows:
        out = RowOutcome(row.row, row.service_code, row.code, row.name, row.field, "",
                         district_level=row.district_level)
        profile.rows.append(out)
        if row.is_test:
            out.outcome, out.note = "test_row", "a test entry of the portal"
            continue
        if row.code is None:
            out.outcome, out.note = "internal_code", "not a national procedure code"
            continue
        if row.code in seen_codes:
            out.outcome, out.note = "duplicate", "code listed on an earlier row"
            continue
        seen_codes.add(row.code)
        record = curated_by_code.get(row.code)
        if record is not None:
            out.outcome = "curated"
        elif row.code in imported:
            record = imported[row.code]
            out.outcome = "imported"
            if names_district_level(record.name):
                out.outcome, record = "pre_reform_record", None
                out.note = "the portal record still names cấp huyện"
        else:
            matches = [p for p in by_name.get(name_key(row.name), ())
                       if same_field(row.field, p.field)]
            if len(matches) == 1 and not names_district_level(matches[0].name):
                record, out.outcome = matches[0], "renamed"
                out.note = f"listed code {row.code} not in the import; same name and field"
            elif len(matches) > 1:
                out.outcome = "ambiguous_name"
                out.note = "several records: " + ", ".join(p.code or p.id for p in matches[:5])
            else:
                out.outcome = "district_unmatched" if row.district_level else "no_record"
                out.note = ("no post-reform record found; the district level was abolished on "
                            "1 July 2025" if row.district_level else
                            "no portal record in the import has this code or name")
        if record is None:
            continue
        twin = curated_by_code.get(record.code or "") or curated_by_name.get(name_key(record.name))
        if twin is not None and out.outcome != "curated":
            out.note = (out.note + "; " if out.note else "") + (
                f"served as the curated record {twin.id} of the same code or name")
            record, out.outcome = twin, "curated"
        if record.id in chosen:  # two listed codes, one record (e.g. renamed onto a listed one)
            out.note = (out.note + "; " if out.note else "") + "same record as an earlier row"
        out.procedure_id, out.served_code = record.id, record.code
        if row.district_level and out.outcome in SERVED:
            levels = ", ".join(record.levels)
            out.note = (out.note + "; " if out.note else "") + (
                f"listed at district level; served as the post-reform record ({levels})")
        chosen.setdefault(record.id, record)
    listed_ids = set(chosen)
    if include_unlisted_curated:
        for procedure in curated:
            if procedure.id not in listed_ids:
                chosen[procedure.id] = procedure
                profile.curated_unlisted.append(procedure.id)
    profile.procedures = list(chosen.values())
    profile.unserved = unserved_records(imported, profile.procedures)
    return profile


_PARENS_RE = re.compile(r"\([^()]*\)")


def _bare(name: str) -> str:
    """``name_key`` without any parenthesised qualifier."""
    return name_key(_PARENS_RE.sub(" ", name))


def unserved_records(imported: dict[str, Procedure],
                     served: list[Procedure]) -> list[UnservedProcedure]:
    """The imported records a profile does not serve, as the index needs them to recognise a
    question about one (see the module docstring for what is left out), by code."""
    served_codes = {p.code for p in served if p.code}
    served_names = {key(n) for p in served for n in p.all_names() for key in (name_key, _bare)}
    out = []
    for code in sorted(imported):
        record = imported[code]
        if (code in served_codes or not record.is_current or names_district_level(record.name)
                or name_key(record.name) in served_names or _bare(record.name) in served_names):
            continue
        out.append(UnservedProcedure(code=code, name=record.name, field=record.field,
                                     levels=list(record.levels), who=record.who))
    return out
