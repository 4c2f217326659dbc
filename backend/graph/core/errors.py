"""Typed error results for mutations, the GraphQL error for a refused field, and a variable value that
does not fit its type made as readable as a refusal."""

from __future__ import annotations

import re
from typing import Any

import strawberry
from graphql import GraphQLEnumType, GraphQLError

from backend.domain.errors import N_, DomainError, ErrorCode
from backend.graph.core.wrappers import Wrapper
from backend.i18n import error_message, gettext

ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode", description="Why an operation was refused.")


@strawberry.type(description="One bad line of a bill: which line, what is wrong with it, and which of its fields.")
class LineError:
    line: int = strawberry.field(description="The line's number, from 1, in the order the lines were sent.")
    code: ErrorCodeEnum
    message: str = strawberry.field(description="In the caller's language, naming the line.")
    field: str | None = strawberry.field(default=None, description="The line's field at fault: itemCode, name, "
                                                                    "unitPriceFen or quantity.")


@strawberry.type(description="An expected refusal: nothing was written.")
class OperationError(Wrapper):
    code: ErrorCodeEnum
    message: str = strawberry.field(description="In the caller's language (zh-CN by default, or en).")
    field: str | None = strawberry.field(default=None, description="The input field the refusal concerns.")
    line_errors: list[LineError] = strawberry.field(
        default_factory=list, description="A bill refused for its lines: every bad line at once, in line order (the "
                                          "error's own code and message are the first of them). Empty otherwise.")

    @classmethod
    def of(cls, error: DomainError, locale: str) -> OperationError:
        return cls(code=error.code, message=error_message(locale, error), field=error.field,
                   line_errors=[LineError(line=p.params["line"], code=p.code, message=error_message(locale, p),
                                          field=p.field) for p in error.problems])


def forbidden(locale: str) -> GraphQLError:
    error = DomainError(ErrorCode.FORBIDDEN)
    return GraphQLError(error_message(locale, error), extensions={"code": ErrorCode.FORBIDDEN.value})


def bad_request(error: DomainError, locale: str) -> GraphQLError:
    extensions = {"code": error.code.value}
    if error.field:
        extensions["field"] = error.field
    return GraphQLError(error_message(locale, error), extensions=extensions)


# graphql-core's report of a variable value that does not fit its type, before anything runs:
#   Variable '$input' has invalid value at .lines[0].category: Value 'Z' does not exist in 'ItemCategory' enum. …
BAD_VARIABLE = re.compile(r"^Variable '\$(?P<variable>\w+)' has invalid value(?: at (?P<path>\S+))?: (?P<detail>.*)$",
                          re.DOTALL)
UNKNOWN_ENUM_VALUE = re.compile(r"Value (?P<value>'.*') does not exist in '(?P<enum>\w+)' enum")
MISSING_FIELD = re.compile(r"to include required field '(?P<name>\w+)'")
ENUM_VALUE_UNKNOWN = N_("The input is not valid: {field} does not take {value}; it takes {allowed}.")
VALUE_MISSING = N_("The input is not valid: {field} is required.")
VALUE_NOT_FITTING = N_("The input is not valid: the value of {field} does not fit its type.")


def coded_variable_error(message: str, type_map: dict[str, Any], locale: str) -> dict[str, Any] | None:
    """A variable value that does not fit its type (an unknown enum value, a decimal for a `Fen`, a
    missing field) as a coded, translated error naming the input field: `INVALID_INPUT`, `field` the
    path inside the variable (`lines[0].category`), graphql-core's English text kept in `detail`.
    None for any other error."""
    found = BAD_VARIABLE.match(message)
    if found is None:
        return None
    path = (found["path"] or "").lstrip(".")
    detail = found["detail"]
    if (enum := UNKNOWN_ENUM_VALUE.search(detail)) and isinstance(gtype := type_map.get(enum["enum"]), GraphQLEnumType):
        field = path or found["variable"]
        text = gettext(locale, ENUM_VALUE_UNKNOWN, field=field, value=enum["value"],
                       allowed=", ".join(gtype.values))
    elif missing := MISSING_FIELD.search(detail):
        field = f"{path}.{missing['name']}" if path else missing["name"]
        text = gettext(locale, VALUE_MISSING, field=field)
    else:
        field = path or found["variable"]
        text = gettext(locale, VALUE_NOT_FITTING, field=field)
    return {"message": text, "extensions": {"code": ErrorCode.INVALID_INPUT.value, "field": field, "detail": message}}
