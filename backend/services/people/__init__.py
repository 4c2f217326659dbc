"""People and families: accounts, relationships and households, preferences, staff search, the viewer's rows."""
