"""Partners, their API keys, staff users and the staff dashboard."""
