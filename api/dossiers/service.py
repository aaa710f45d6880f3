"""The verified lookup: code check, guess reservation, source, factor check, audit, answer.

Order matters for privacy and against guessing:
- a guess is reserved (``api.dossiers.lockout``) under the code, the hashed sender and the
  hashed client address *before* the factor is checked, so no budget can be overrun by
  concurrent requests, and rotating sender ids or addresses gets at most the code's budget;
- an unknown code and a wrong factor get the same answer (``not_verified``, 403) and both
  spend the budget, so codes cannot be enumerated; a dossier without a factor digest answers
  the same way (the audit log keeps the real outcome for operators);
- a locked-out caller learns nothing;
- every attempt, whatever its outcome, is audited with the hashed sender or the agent's name.
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
from api.dossiers.lockout import AttemptGuard, Budget, Reservation
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


class NotVerifiedError(DossierLookupError):
    """An unknown code or a wrong factor: the citizen is not told which."""

    code, status_code = "not_verified", 403


class LockedOutError(DossierLookupError):
    code, status_code = "locked_out", 429


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
    max_failures: int = 5  # per dossier code and per sender, within the window
    max_address_failures: int = 20  # per client address
    window_seconds: float = 3600.0
    hotline: str = "1022"
    utc_offset_hours: int = 7


class DossierLookup:
    def __init__(self, *, source: DossierSource, guard: AttemptGuard,
                 session_factory: sessionmaker[Session], key: bytes, policy: LookupPolicy,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.source = source
        self.guard = guard
        self._sessions = session_factory
        self._key = key
        self.policy = policy
        self._clock = clock

    # -- public -------------------------------------------------------------------------
    def lookup_as_citizen(self, *, code: str, factor: str | None, actor: str,
                          channel: str | None, address: str | None = None) -> LookupOutcome:
        """``actor`` and ``address`` are already hashed (``address``: the citizen's client
        address as the channel saw it, None when the platform does not give one)."""
        started = time.perf_counter()
        audit = _Audit(self, actor_kind="citizen", actor=actor, channel=channel,
                       started=started)
        p = self.policy
        normalised = self._normalise(code, audit)
        if last4(factor) is None:
            audit.write("factor_required", normalised)
            raise FactorRequiredError("A verification factor (4 digits) is required.",
                                      wording.factor_needed_text(p.factor), factor=p.factor.value)
        budgets = self._budgets(normalised, actor, address)
        reservation = self.guard.reserve(budgets)
        if reservation is None:
            audit.write("locked_out", normalised)
            raise self._locked()
        try:
            record = self._fetch(normalised, audit)
        except UpstreamUnavailableError:
            self.guard.release(reservation)  # no guess was checked
            raise
        if record is None:
            raise self._not_verified(reservation, budgets)
        stored = record.factor_hash(p.factor)
        if stored is None:
            audit.write("factor_unavailable", normalised)
            raise self._not_verified(reservation, budgets)
        if not factor_matches(self._key, kind=p.factor, code=normalised, given=factor or "",
                              stored=stored):
            audit.write("wrong_factor", normalised)
            raise self._not_verified(reservation, budgets)
        self.guard.release(reservation)
        audit.write("found", normalised)
        return self._outcome(record)

    def lookup_as_agent(self, *, code: str, agent: str) -> LookupOutcome:
        audit = _Audit(self, actor_kind="agent", actor=agent, channel="agent",
                       started=time.perf_counter())
        normalised = self._normalise(code, audit)
        record = self._fetch(normalised, audit)
        if record is None:
            raise UnknownDossierError("No dossier has this code.",
                                      wording.unknown_code_text(normalised, self.policy.hotline),
                                      hotline=self.policy.hotline)
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

    def _budgets(self, code: str, actor: str, address: str | None) -> list[Budget]:
        p = self.policy
        budgets = [Budget("code:" + code, p.max_failures), Budget("sender:" + actor, p.max_failures)]
        if address:
            budgets.append(Budget("addr:" + address, p.max_address_failures))
        return budgets

    def _not_verified(self, reservation: Reservation, budgets: list[Budget]) -> DossierLookupError:
        """The one answer for an unknown code, a wrong factor or no factor digest; the
        reservation is kept (the guess counts)."""
        p = self.policy
        remaining = reservation.remaining(budgets)
        logger.info("dossiers.lookup.not_verified remaining=%s", remaining)
        if remaining == 0:
            return self._locked()
        return NotVerifiedError("The code and the verification factor do not match a dossier.",
                                wording.not_verified_text(p.factor, remaining, p.hotline),
                                remaining_attempts=remaining, factor=p.factor.value)

    def _fetch(self, code: str, audit: _Audit) -> DossierRecord | None:
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
