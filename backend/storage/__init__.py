"""Storage: SQLModel tables, engines, transactions."""
