"""The GraphQL graph: one schema for household pages, partners and staff, one gate."""
