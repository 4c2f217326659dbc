"""A person's own display preferences: elderly mode (适老化)."""
