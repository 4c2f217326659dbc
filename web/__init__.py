"""The Starlette application: /graphql, the HTMX pages and the token endpoint."""
