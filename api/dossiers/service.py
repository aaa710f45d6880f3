"""The verified lookup: lock-out check, code check, source, factor check, audit, answer.

Order matters for privacy: a locked-out sender learns nothing (not even whether a code
exists); a wrong factor is counted per sender (hashed) in a sliding window; every attempt,
whatever its outcome, is written to the audit log with the hashed sender or the agent's name.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from api.dossiers import wording
from api.dossiers.codes import InvalidCodeError, normalise_code
from api.dossiers.lockout import WRONG_FACTOR, FailureCounter
from api.dossiers.models import DossierLookupAudit
from api.dossiers.privacy import FactorKind, factor_matches, last4
from api.dossiers.record import DossierRecord, DossierStatus
from api.dossiers.sources import DossierSource, SourceUnavailableError

logger = logging.getLogger(__name__)


class DossierLookupError(Exception):
    """A lookup that cannot answer; ``code`` and ``status_code`` are the API's error."""

    code = "lookup_failed"
    status_code = 400

    def __init__(self, message: str, text: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.extra = extra


class InvalidDossierCodeError(DossierLookupError):
    code, status_code = "invalid_code", 422


class FactorRequiredError(DossierLookupError):
    code, status_code = "factor_required", 422


class UnknownDossierError(DossierLookupError):
    code, status_code = "unknown_code", 404


class WrongFactorError(DossierLookupError):
    code, status_code = "wrong_factor", 403


class LockedOutError(DossierLookupError):
    code, status_code = "locked_out", 429


class FactorUnavailableError(DossierLookupError):
    code, status_code = "factor_unavailable", 409


class UpstreamUnavailableError(DossierLookupError):
    code, status_code = "upstream_unavailable", 503


@dataclass(frozen=True)
class LookupOutcome:
    record: DossierRecord
    text: str
    overdue: bool
    late: bool


@dataclass(frozen=True)
class LookupPolicy:
    factor: FactorKind = FactorKind.phone
    max_failures: int = 5
    window_seconds: float = 3600.0
    hotline: str = "1022"
    utc_offset_hours: int = 7


class DossierLookup:
    def __init__(self, *, source: DossierSource, counter: FailureCounter,
                 session_factory: sessionmaker[Session], key: bytes, policy: LookupPolicy,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.source = source
        self.counter = counter
        self._sessions = session_factory
        self._key = key
        self.policy = policy
        self._clock = clock

    # -- public -------------------------------------------------------------------------
    def lookup_as_citizen(self, *, code: str, factor: str | None, actor: str,
                          channel: str | None) -> LookupOutcome:
        started = time.perf_counter()
        audit = _Audit(self, actor_kind="citizen", actor=actor, channel=channel,
                       started=started)
        p = self.policy
        if self.counter.failures(actor) >= p.max_failures:
            audit.write("locked_out", None)
            raise self._locked()
        normalised = self._normalise(code, audit)
        if last4(factor) is None:
            audit.write("factor_required", normalised)
            raise FactorRequiredError("A verification factor (4 digits) is required.",
                                      wording.factor_needed_text(p.factor), factor=p.factor.value)
        record = self._fetch(normalised, audit)
        stored = record.factor_hash(p.factor)
        if stored is None:
            audit.write("factor_unavailable", normalised)
            raise FactorUnavailableError("The dossier has no digest for this factor.",
                                         wording.factor_unavailable_text(p.hotline),
                                         hotline=p.hotline)
        if not factor_matches(self._key, kind=p.factor, code=normalised, given=factor or "",
                              stored=stored):
            audit.write(WRONG_FACTOR, normalised)
            failures = self.counter.record_failure(actor)
            remaining = max(p.max_failures - failures, 0)
            logger.info("dossiers.lookup.wrong_factor remaining=%s", remaining)
            if remaining == 0:
                raise self._locked()
            raise WrongFactorError("The verification factor does not match.",
                                   wording.wrong_factor_text(p.factor, remaining),
                                   remaining_attempts=remaining, factor=p.factor.value)
        audit.write("found", normalised)
        return self._outcome(record)

    def lookup_as_agent(self, *, code: str, agent: str) -> LookupOutcome:
        audit = _Audit(self, actor_kind="agent", actor=agent, channel="agent",
                       started=time.perf_counter())
        normalised = self._normalise(code, audit)
        record = self._fetch(normalised, audit)
        audit.write("found", normalised)
        return self._outcome(record)

    # -- steps --------------------------------------------------------------------------
    def _normalise(self, code: str, audit: _Audit) -> str:
        try:
            return normalise_code(code)
        except InvalidCodeError:
            audit.write("invalid_code", None)  # the raw text may be anything: not stored
            raise InvalidDossierCodeError("The dossier code is not in the national format.",
                                          wording.invalid_code_text(),
                                          example=wording.CODE_EXAMPLE) from None

    def _fetch(self, code: str, audit: _Audit) -> DossierRecord:
        p = self.policy
        try:
            record = self.source.get(code)
        except SourceUnavailableError:
            audit.write("upstream_unavailable", code)
            raise UpstreamUnavailableError("The dossier source is unavailable.",
                                           wording.upstream_unavailable_text(p.hotline),
                                           hotline=p.hotline) from None
        if record is None:
            audit.write("unknown_code", code)
            raise UnknownDossierError("No dossier has this code.",
                                      wording.unknown_code_text(code, p.hotline),
                                      hotline=p.hotline)
        return record

    def _locked(self) -> LockedOutError:
        p = self.policy
        minutes = math.ceil(p.window_seconds / 60)
        return LockedOutError("Too many failed verifications; locked out for a while.",
                              wording.locked_out_text(p.hotline, minutes), hotline=p.hotline,
                              retry_after_seconds=int(p.window_seconds))

    def _outcome(self, record: DossierRecord) -> LookupOutcome:
        now = self._clock()
        p = self.policy
        text = wording.answer_text(record, now=now, hotline=p.hotline, offset=p.utc_offset_hours)
        return LookupOutcome(record=record, text=text, overdue=record.overdue(now),
                             late=record.status is DossierStatus.resolved_late
                             or record.overdue(now))


class _Audit:
    def __init__(self, lookup: DossierLookup, *, actor_kind: str, actor: str,
                 channel: str | None, started: float) -> None:
        self.lookup = lookup
        self.actor_kind = actor_kind
        self.actor = actor[:64]
        self.channel = channel[:32] if channel else None
        self.started = started

    def write(self, outcome: str, code: str | None) -> None:
        latency = int((time.perf_counter() - self.started) * 1000)
        with self.lookup._sessions() as session:
            session.add(DossierLookupAudit(
                actor_kind=self.actor_kind, actor=self.actor, channel=self.channel, code=code,
                outcome=outcome, source=self.lookup.source.name, latency_ms=latency))
            session.commit()
        logger.info("dossiers.lookup.audited actor_kind=%s outcome=%s source=%s",
                    self.actor_kind, outcome, self.lookup.source.name)
