"""The yearly statement: what a person paid themselves for their care in one year (their personal
burden as settled), by month and by institution, split into their own personal account, each
relative's mutual aid and cash. What a family needs for the serious-illness deduction
(大病医疗专项附加扣除) and its own records; it is not a tax assessment.

Items outside the insurer's catalogue (no approved mapping, non-medical goods among them) were paid in cash
outside the insurance and are left out; the part above a catalogue price cap is personal burden, in, and
shown apart.

Pure: the service hands in the settled lines that were not refunded, each with what every pool paid.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from backend.domain.errors import DomainError, ErrorCode

FIRST_YEAR = 2000  # before medical e-vouchers and family accounts existed


def check_year(year: int, today: date) -> int:
    """A year that has begun, not before FIRST_YEAR."""
    if not FIRST_YEAR <= year <= today.year:
        raise DomainError(ErrorCode.STATEMENT_YEAR_INVALID, field="year", first=FIRST_YEAR, last=today.year)
    return year


def year_bounds(year: int) -> tuple[date, date]:
    """Service dates of `year`: from the first day, up to (not including) the next year's first."""
    return date(year, 1, 1), date(year + 1, 1, 1)


@dataclass(frozen=True)
class PaidLine:
    """One settled line's personal burden, as the payers paid it."""

    service_date: date
    institution_id: uuid.UUID
    institution_name: str
    own_account_fen: int
    aid: tuple[RelativeAid, ...]
    cash_fen: int
    overlmt_selfpay_fen: int = 0  # of the burden, the part above the catalogue's price cap (R18)


@dataclass(frozen=True)
class RelativeAid:
    """What one relative's grants paid: towards one line, or in a total."""

    grantor_id: uuid.UUID
    grantor_name: str
    amount_fen: int


@dataclass(frozen=True)
class Burden:
    """A personal burden split by who paid it; `total_fen` is what the person bore, whoever paid."""

    own_account_fen: int = 0
    mutual_aid: tuple[RelativeAid, ...] = ()
    cash_fen: int = 0
    overlmt_selfpay_fen: int = 0  # of total_fen, what was above the catalogue's price caps (R18)

    @property
    def mutual_aid_fen(self) -> int:
        return sum(part.amount_fen for part in self.mutual_aid)

    @property
    def total_fen(self) -> int:
        return self.own_account_fen + self.mutual_aid_fen + self.cash_fen


@dataclass(frozen=True)
class MonthBurden:
    month: int
    burden: Burden


@dataclass(frozen=True)
class InstitutionBurden:
    institution_id: uuid.UUID
    institution_name: str
    burden: Burden


@dataclass(frozen=True)
class YearlyStatement:
    year: int
    total: Burden
    months: tuple[MonthBurden, ...]  # all twelve, January first
    institutions: tuple[InstitutionBurden, ...]  # the largest burden first


class _Sum:
    """Adds lines up into one Burden."""

    def __init__(self) -> None:
        self.own = self.cash = self.over = 0
        self.aid: dict[uuid.UUID, list] = {}

    def add(self, line: PaidLine) -> None:
        self.own += line.own_account_fen
        self.cash += line.cash_fen
        self.over += line.overlmt_selfpay_fen
        for part in line.aid:
            entry = self.aid.setdefault(part.grantor_id, [part.grantor_name, 0])
            entry[1] += part.amount_fen

    def burden(self) -> Burden:
        aid = tuple(sorted((RelativeAid(grantor, name, amount) for grantor, (name, amount) in self.aid.items()),
                           key=lambda a: (-a.amount_fen, a.grantor_name, str(a.grantor_id))))
        return Burden(self.own, aid, self.cash, self.over)


def statement(year: int, lines: list[PaidLine]) -> YearlyStatement:
    """Sum the year's lines (those of other years are ignored) into the statement."""
    first, after = year_bounds(year)
    total, months = _Sum(), defaultdict(_Sum)
    places: dict[uuid.UUID, tuple[str, _Sum]] = {}
    for line in lines:
        if not first <= line.service_date < after:
            continue
        total.add(line)
        months[line.service_date.month].add(line)
        places.setdefault(line.institution_id, (line.institution_name, _Sum()))[1].add(line)
    by_place = [InstitutionBurden(place, name, sums.burden()) for place, (name, sums) in places.items()]
    by_place.sort(key=lambda p: (-p.burden.total_fen, p.institution_name, str(p.institution_id)))
    return YearlyStatement(year, total.burden(), tuple(MonthBurden(m, months[m].burden()) for m in range(1, 13)),
                           tuple(by_place))
