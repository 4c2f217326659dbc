"""Use cases: each public function is one transaction that writes its audit event."""
