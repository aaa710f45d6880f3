"""The Ministry of Defence records (``dvc-bqp/<code>.json``): tables already parsed into dicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from indexer.portal.record import (
    PortalRecord,
    RecordError,
    channel_from_cells,
    copies_from_cell,
    document,
    legal_basis,
    optional,
    split_lines,
)
from indexer.portal.values import (
    channel_kind,
    clean,
    is_empty,
    levels,
    procedure_name,
)


def _rows(tables: dict[str, Any], key: str) -> list[dict[str, str]]:
    rows = tables.get(key) or []
    return [r for r in rows if isinstance(r, dict)]


def parse_bqp_json(path: Path) -> PortalRecord:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"cannot read JSON: {exc}") from exc
    meta = data.get("metadata") or {}
    content = data.get("content") or {}
    tables = data.get("tables") or {}
    code = clean(meta.get("mã_thủ_tục") or data.get("thu_tuc_id")).strip()
    if not code:
        raise RecordError("no 'mã_thủ_tục' (procedure code) in the record")
    channels = []
    notes = []
    for row in _rows(tables, "hinh_thuc_nop"):
        kind = channel_kind(row.get("hinh_thuc", ""))
        if kind is None:
            continue
        channels.append(channel_from_cells(kind, row.get("thoi_han_giai_quyet", ""),
                                           row.get("phi_le_phi", ""),
                                           optional(row.get("mo_ta")), notes))
    documents = []
    for row in _rows(tables, "thanh_phan_ho_so"):
        originals, copies = copies_from_cell(row.get("ghi_chu", ""))
        if doc := document(row.get("ten_giay_to", ""), row.get("so_luong") or None,
                           originals, copies):
            documents.append(doc)
    laws = []
    for row in _rows(tables, "can_cu_phap_ly"):
        basis = legal_basis(row.get("so_ky_hieu", ""), row.get("trich_yeu", ""),
                            row.get("ngay_ban_hanh"), row.get("co_quan_ban_hanh"))
        if basis:
            laws.append(basis)
    agency = content.get("cơ_quan_thực_hiện")
    if is_empty(agency):
        agency = content.get("cơ_quan_có_thẩm_quyền")
    decision = clean(meta.get("số_quyết_định")).removeprefix("Quyết định số").strip()
    return PortalRecord(
        code=code,
        source="dvc-bqp",
        path=str(path),
        name=procedure_name(meta.get("tên_thủ_tục", "")),
        decision=decision,
        levels=levels(meta.get("cấp_thực_hiện", "")),
        field=clean(meta.get("lĩnh_vực")).strip(),
        agency=optional(agency) or "",
        who=optional(content.get("đối_tượng_thực_hiện")),
        channels=channels,
        documents=documents,
        legal_basis=laws,
        steps=split_lines(content.get("trình_tự_thực_hiện")),
        conditions=split_lines(content.get("yêu_cầu_điều_kiện_thực_hiện")),
        result=optional(content.get("kết_quả_thực_hiện")),
        notes=notes,
    )
