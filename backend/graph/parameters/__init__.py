"""Settlement parameters (R7, R12): effective-dated versions per region prefix, set by admins."""
