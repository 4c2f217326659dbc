"""What a region sets: policy limits and settlement parameters."""
