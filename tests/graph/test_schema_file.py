"""The checked-in schema.graphql is what the code serves: partners review every change to it."""

from backend.config import PROJECT_ROOT
from backend.domain.errors import ErrorCode
from backend.graph.reference import DOCS, docs_generated, print_sdl


def test_schema_graphql_matches_the_code():
    checked_in = (PROJECT_ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert checked_in == print_sdl(), "the schema changed: run `yibao schema --write` and commit schema.graphql"


def test_the_rule_table_and_the_error_codes_in_the_docs_are_generated_from_the_code():
    text = DOCS.read_text(encoding="utf-8")
    assert text == docs_generated(text), "the schema changed: run `yibao docs` and commit docs/graphql.md"


def test_every_error_code_is_in_the_guides_table():
    """docs/graphql.md lists the whole ErrorCode enum with its English message: a new code needs its row."""
    guide = (PROJECT_ROOT / "docs" / "graphql.md").read_text(encoding="utf-8")
    table = guide[guide.index("The whole `ErrorCode` enum"):guide.index("{…} stands for a value filled into the message.")]
    assert [code.name for code in ErrorCode if f"| `{code.name}` |" not in table] == []
