"""A read-only FHIR R4 export under /fhir/R4, built from the same graph operations as the pages.

Each resource module runs its `web/templates/fhir/<resource>.graphql` document in-process through
the schema and gate, as the caller, and maps the answer to FHIR JSON: what the gate refuses a caller
never reaches a resource. See docs/fhir.md for the mapping.
"""
