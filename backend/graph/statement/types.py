"""Person.statement(year): the personal burden as settled, by month and by institution."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain import statement as yearly
from backend.domain.errors import DomainError
from backend.graph.core.errors import OperationError
from backend.graph.core.scalars import Fen
from backend.services.money.statement import valid_year
from backend.storage import models


@strawberry.type(description="What one relative's mutual aid (家庭共济) paid of the burden.")
class RelativeAid:
    grantor_name: str
    amount_fen: Fen


@strawberry.type(description="A personal burden, split by who paid it: own account, relatives' mutual aid, cash.")
class Burden:
    total_fen: Fen = strawberry.field(description="What the person bore, whoever paid it.")
    own_account_fen: Fen
    mutual_aid_fen: Fen = strawberry.field(description="All relatives' mutual aid together.")
    mutual_aid: list[RelativeAid]
    cash_fen: Fen
    overlmt_selfpay_fen: Fen = strawberry.field(description="Of totalFen, what was above the catalogue's price caps "
                                                            "(over-limit self-pay, R18).")


@strawberry.type
class MonthBurden:
    month: int = strawberry.field(description="1 to 12, by service date.")
    burden: Burden


@strawberry.type
class InstitutionBurden:
    institution_name: str
    burden: Burden


@strawberry.type(description="A person's yearly statement: the personal burden as settled (refunded lines and items "
                             "outside the catalogue, non-medical goods among them, left out). "
                             "Not a tax assessment.")
class YearlyStatement:
    year: int
    total: Burden
    months: list[MonthBurden] = strawberry.field(description="All twelve, January first.")
    institutions: list[InstitutionBurden] = strawberry.field(description="The largest burden first.")


StatementResult = Annotated[Union[YearlyStatement, OperationError], strawberry.union("StatementResult")]


def _burden(b: yearly.Burden) -> Burden:
    return Burden(total_fen=b.total_fen, own_account_fen=b.own_account_fen, mutual_aid_fen=b.mutual_aid_fen,
                  mutual_aid=[RelativeAid(grantor_name=a.grantor_name, amount_fen=a.amount_fen) for a in b.mutual_aid],
                  cash_fen=b.cash_fen, overlmt_selfpay_fen=b.overlmt_selfpay_fen)


def _statement(s: yearly.YearlyStatement) -> YearlyStatement:
    return YearlyStatement(
        year=s.year, total=_burden(s.total),
        months=[MonthBurden(month=m.month, burden=_burden(m.burden)) for m in s.months],
        institutions=[InstitutionBurden(institution_name=p.institution_name, burden=_burden(p.burden))
                      for p in s.institutions])


@strawberry.type
class PersonStatementFields:
    """Person.statement."""

    row: strawberry.Private[models.Person]

    @strawberry.field(description="What this person paid themselves in a year (个人负担: own account, each relative's "
                                  "mutual aid, cash), by month and by institution; OperationError for a bad year.")
    async def statement(self, info: Info, year: int) -> StatementResult | None:
        ctx = info.context
        try:
            valid_year(year, ctx.rt.clock.now())
        except DomainError as error:
            return OperationError.of(error, ctx.locale)
        lines = await ctx.loaders.statement_lines.load((self.row.id, year))
        return _statement(yearly.statement(year, lines))
