"""The HSA gateway's own records: its message log (msgid idempotency), 9001 sign-ins, 2201 visits and
their 2204 fee detail. Settlements, quotes and refunds are the money services' own (web/hsa calls them)."""
