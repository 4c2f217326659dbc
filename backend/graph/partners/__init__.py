"""Partner institutions, their API keys, and staff users: what admins manage."""
