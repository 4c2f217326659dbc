"""Staff read the versions: the history of a prefix, and which one is in force for a region on a date."""

import datetime

import strawberry
from strawberry.types import Info

from backend.domain.errors import DomainError
from backend.domain.regions import validate_region_code
from backend.graph.core.errors import bad_request
from backend.graph.parameters.types import ParameterVersion
from backend.services.region import parameters


@strawberry.type
class ParametersQuery:
    @strawberry.field(description="Staff: every parameter version, or those of one region prefix, by prefix and "
                                  "newest first.")
    async def parameter_versions(self, info: Info, region_prefix: str | None = None) -> list[ParameterVersion] | None:
        ctx = info.context

        def run():
            with ctx.rt.db.read() as s:
                return parameters.versions(s, region_prefix)

        return [ParameterVersion(version=v) for v in await ctx.run(run)]

    @strawberry.field(description="Staff: the version a settlement for someone insured in this region would use on "
                                  "this date (the longest prefix in force); null when none is.")
    async def parameters_in_force(self, info: Info, region_code: str, on: datetime.date) -> ParameterVersion | None:
        ctx = info.context
        try:
            validate_region_code(region_code)
        except DomainError as error:
            raise bad_request(error, ctx.locale) from None

        def run():
            with ctx.rt.db.read() as s:
                return parameters.in_force(s, region_code, on)

        try:
            return ParameterVersion(version=await ctx.run(run))
        except DomainError:
            return None
