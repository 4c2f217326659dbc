"""The yearly statement: what a person paid themselves for their care in a year (Person.statement)."""
