"""People and principals: persons, their insurance and account, institutions, staff users; `viewer`, staff search."""
