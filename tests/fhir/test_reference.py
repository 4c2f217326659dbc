"""docs/fhir.md lists each resource's search parameters as the CapabilityStatement declares them."""

import pytest

from web.fhir.reference import FHIR_DOCS, fhir_docs_generated


@pytest.mark.one_database
def test_the_search_parameter_table_in_the_docs_is_generated_from_the_capabilities():
    text = FHIR_DOCS.read_text(encoding="utf-8")
    assert text == fhir_docs_generated(text), "a search parameter changed: run `yibao docs` and commit docs/fhir.md"
