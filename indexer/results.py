"""What ``Searcher.search`` returns (plain dataclasses, safe to serialise)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from indexer.passages import Passage


@dataclass(frozen=True)
class SearchFilters:
    """``province``: keep procedures valid there (national ones always are) and attach its
    override; ``level``: e.g. "cấp xã" (accents optional); ``status``: "active", "amended",
    "abolished" or "current" (anything not abolished)."""

    province: str | None = None
    level: str | None = None
    status: str | None = None


@dataclass
class ProcedureHit:
    procedure_id: str
    name: str
    code: str | None
    score: float
    confidence: float
    status: str  # "active" | "amended" | "abolished"
    passages: dict[str, Passage] = field(default_factory=dict)  # best passage per aspect
    abolished_on: str | None = None  # ISO date, only for abolished procedures
    replaced_by: list[dict[str, str]] = field(default_factory=list)  # [{id, name}]
    province_override: dict[str, Any] | None = None
    features: dict[str, float] = field(default_factory=dict)

    @property
    def is_current(self) -> bool:
        return self.status != "abolished"


@dataclass
class FaqHit:
    faq_id: str
    question: str
    answer: str
    score: float
    confidence: float
    passage: Passage


@dataclass
class NotServedHit:
    """A procedure the catalogue knows of but does not serve (a province profile's
    ``unserved.yaml``), which the query matched better than any served one."""

    code: str
    name: str
    field: str
    score: float


@dataclass
class SearchResult:
    query: str
    abstain: bool  # no procedure is confident enough: say so, offer the hotline
    confidence: float  # of the top procedure (0 when there is none)
    aspect: str | None  # aspect guessed from the query
    hits: list[ProcedureHit] = field(default_factory=list)
    faqs: list[FaqHit] = field(default_factory=list)  # general questions (FAQ passages)
    faq_answer: FaqHit | None = None  # best FAQ when confident and above every procedure
    version: str | None = None
    # set when the query is about a procedure known but not served here (abstain is then
    # True): "thủ tục này không có trong danh mục của tỉnh", not a served neighbour's answer
    not_served: NotServedHit | None = None

    @property
    def top(self) -> ProcedureHit | None:
        return self.hits[0] if self.hits else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
