"""Relatives and households: claiming, verifying and withdrawing relationships (R1); households."""
