"""Custom scalars of the graph: the type to annotate fields with, and its definition for the schema config."""

from __future__ import annotations

from typing import NewType

import strawberry
from graphql import GraphQLError, IntValueNode, ValueNode
from strawberry.file_uploads import Upload

# A JSON number holds every integer up to 2^53 - 1 exactly; GraphQL's Int stops at 2^31 - 1, less
# than the ¥21,474,836.47 a single large inpatient bill may approach.
MAX_SAFE_FEN = 2**53 - 1


def _serialize(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_SAFE_FEN:
        raise ValueError(f"Fen cannot represent {value!r}")
    return value


# Refusals are GraphQLErrors, so graphql-core reports them as the caller's mistake (a validation
# error naming the variable or the literal), not as a failure of ours.
def _parse(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(f"Fen is a whole number of fen (1 yuan = 100 fen), given as an integer; got {value!r}.")
    if abs(value) > MAX_SAFE_FEN:
        raise GraphQLError(f"Fen is at most {MAX_SAFE_FEN} in magnitude; got {value}.")
    return value


def _parse_literal(node: ValueNode, _variables: object = None) -> int:
    if not isinstance(node, IntValueNode):
        raise GraphQLError("Fen is a whole number of fen (1 yuan = 100 fen), given as an integer.", node)
    return _parse(int(node.value))


Fen = NewType("Fen", int)

# JSON's own values: what a variable holds when the caller did not send a file in its place.
_JSON_VALUES = (str, int, float, bool, dict, list, type(None))


def _parse_upload(value: object) -> object:
    """A file arrives as a part of a multipart request (Strawberry puts the part in the variable);
    anything JSON can say in its place is the caller's mistake, refused like any other bad value."""
    if isinstance(value, _JSON_VALUES) or not hasattr(value, "file"):
        raise GraphQLError("Upload is a file sent as a part of a multipart request (the GraphQL multipart "
                           f"request spec), referred to by a variable; got {type(value).__name__}.")
    return value


def _upload_literal(node: ValueNode, _variables: object = None) -> object:
    raise GraphQLError("A file cannot be written in the document: send it as a multipart part and pass it "
                       "through a variable.", node)


def _no_output(value: object) -> object:
    raise ValueError("Upload is an input type only")

SCALARS = {
    Fen: strawberry.scalar(
        name="Fen",
        description="An amount of money in integer fen (1 yuan = 100 fen), as a JSON integer. Unlike Int it is "
                    "not limited to 32 bits: any whole number up to 2^53 - 1 in magnitude.",
        serialize=_serialize,
        parse_value=_parse,
        parse_literal=_parse_literal,
    ),
    Upload: strawberry.scalar(
        name="Upload",
        description="A file, sent as a part of a multipart request and passed through a variable (the GraphQL "
                    "multipart request spec). Input only.",
        serialize=_no_output,
        parse_value=_parse_upload,
        parse_literal=_upload_literal,
    ),
}
