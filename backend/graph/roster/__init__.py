"""Roster imports: a bureau's file of insured people, started, followed and confirmed by admins (issue 8 §1)."""
