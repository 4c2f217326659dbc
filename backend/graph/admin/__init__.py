"""The insurer's side: the audit log, and the caps a region sets."""
