"""Typed error results for mutations, and the GraphQL error for a refused field."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from backend.domain.errors import DomainError, ErrorCode
from backend.graph.core.wrappers import Wrapper
from backend.i18n import error_message

ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode", description="Why an operation was refused.")


@strawberry.type(description="An expected refusal: nothing was written.")
class OperationError(Wrapper):
    code: ErrorCodeEnum
    message: str = strawberry.field(description="In the caller's language (zh-CN by default, or en).")
    field: str | None = strawberry.field(default=None, description="The input field the refusal concerns.")

    @classmethod
    def of(cls, error: DomainError, locale: str) -> OperationError:
        return cls(code=error.code, message=error_message(locale, error), field=error.field)


def forbidden(locale: str) -> GraphQLError:
    error = DomainError(ErrorCode.FORBIDDEN)
    return GraphQLError(error_message(locale, error), extensions={"code": ErrorCode.FORBIDDEN.value})


def bad_request(error: DomainError, locale: str) -> GraphQLError:
    return GraphQLError(error_message(locale, error), extensions={"code": error.code.value})
