"""The portal's Word exports "Chi tiết thủ tục hành chính" (``dvc-docx/<Bộ>/<code>.docx``).

The tables are intact, but they have no ``<w:tblGrid>``, so python-docx's ``Table`` API raises
``InvalidXmlError`` on them. The body is therefore read straight from ``word/document.xml`` with
lxml (python-docx's own XML library), paragraph by paragraph and table by table, in order.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from indexer.catalog.schema import Channel, Document, LegalBasis
from indexer.portal.record import (
    PortalRecord,
    RecordError,
    channel_from_cells,
    copies_from_cell,
    document,
    legal_basis,
    optional,
)
from indexer.portal.values import (
    channel_kind,
    clean,
    is_empty,
    levels,
    procedure_name,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# "Label: value" paragraphs; a label with an empty value opens a section (steps, tables)
LABELS = {
    "Mã thủ tục": "code", "Số quyết định": "decision", "Tên thủ tục": "name",
    "Cấp thực hiện": "levels", "Loại thủ tục": "kind", "Lĩnh vực": "field",
    "Trình tự thực hiện": "steps", "Cách thức thực hiện": "channels",
    "Thành phần hồ sơ": "documents", "Đối tượng thực hiện": "who",
    "Cơ quan thực hiện": "agency", "Cơ quan có thẩm quyền": "authority",
    "Địa chỉ tiếp nhận HS": "address", "Cơ quan được ủy quyền": "delegate",
    "Cơ quan phối hợp": "partner", "Kết quả thực hiện": "result",
    "Căn cứ pháp lý": "legal", "Yêu cầu, điều kiện thực hiện": "conditions",
    "Từ khóa": "keywords", "Mô tả": "description",
}
_LABEL_RE = re.compile(r"^(" + "|".join(re.escape(k) for k in LABELS) + r")\s*:\s*(.*)$", re.S)


def _text(el: etree._Element) -> str:
    parts = []
    for node in el.iter(f"{W}t", f"{W}br", f"{W}tab", f"{W}p"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag == f"{W}p" and parts:
            parts.append("\n")
        else:
            parts.append(" " if node.tag == f"{W}tab" else "\n")
    return "".join(parts).strip()


def read_body(path: Path) -> tuple[dict[str, list[str]], dict[str, list[list[str]]]]:
    """Paragraph text and table rows grouped by the section label they follow."""
    try:
        with zipfile.ZipFile(path) as archive:
            root = etree.fromstring(archive.read("word/document.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise RecordError(f"cannot read the Word file: {exc}") from exc
    body = root.find(f"{W}body")
    if body is None:
        raise RecordError("the Word file has no body")
    texts: dict[str, list[str]] = {}
    tables: dict[str, list[list[str]]] = {}
    section = "title"
    for el in body:
        if el.tag == f"{W}p":
            line = _text(el)
            if not line:
                continue
            m = _LABEL_RE.match(line)
            if line.startswith("Để xem chi tiết"):
                section = "link"
            elif m:
                section = LABELS[m.group(1)]
                line = m.group(2)
            if line.strip():
                texts.setdefault(section, []).append(line.strip())
        elif el.tag == f"{W}tbl":
            rows = [[_text(tc) for tc in tr.iter(f"{W}tc")] for tr in el.iter(f"{W}tr")]
            tables.setdefault(section, []).extend(rows[1:])  # first row is the header
    return texts, tables


def _channels(rows: list[list[str]]) -> tuple[list[Channel], list[str]]:
    """The channels and the maintainer remarks on them (a time taken from a description)."""
    channels = []
    notes = []
    for row in rows:
        if len(row) < 3 or (kind := channel_kind(row[0])) is None:
            continue
        description = optional(row[3]) if len(row) > 3 else None
        channels.append(channel_from_cells(kind, row[1], row[2], description, notes))
    return channels, notes


def _documents(rows: list[list[str]]) -> list[Document]:
    docs = []
    for row in rows:
        if len(row) < 3:
            continue
        originals, copies = copies_from_cell(row[2])
        if doc := document(row[0], row[1] or None, originals, copies):
            docs.append(doc)
    return docs


def _legal(rows: list[list[str]]) -> list[LegalBasis]:
    found = []
    for row in rows:
        if len(row) >= 2 and (basis := legal_basis(row[0], row[1], *(row[2:4]))):
            found.append(basis)
    return found


def _one(texts: dict[str, list[str]], key: str) -> str:
    return clean(" ".join(texts.get(key, []))).strip()


def parse_word_export(path: Path) -> PortalRecord:
    texts, tables = read_body(path)
    code = _one(texts, "code")
    if not code:
        raise RecordError("no 'Mã thủ tục' (procedure code) in the document")
    agency = _one(texts, "agency")
    if is_empty(agency):
        agency = _one(texts, "authority")
    url = next((w for w in _one(texts, "link").split() if w.startswith("http")), None)
    channels, notes = _channels(tables.get("channels", []))
    return PortalRecord(
        code=code,
        source="dvc-docx",
        path=str(path),
        name=procedure_name(_one(texts, "name")),
        decision=_one(texts, "decision"),
        levels=levels(_one(texts, "levels")),
        field=_one(texts, "field"),
        agency="" if is_empty(agency) else agency,
        who=optional(_one(texts, "who")),
        channels=channels,
        documents=_documents(tables.get("documents", [])),
        legal_basis=_legal(tables.get("legal", [])),
        steps=[s for s in texts.get("steps", []) if len(s) > 2][:40],
        conditions=[c for c in texts.get("conditions", []) if not is_empty(c)][:40],
        result=optional(_one(texts, "result")),
        url=url,
        notes=notes,
    )
