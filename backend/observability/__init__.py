"""What operators see of the running service: request ids, JSON logs and Prometheus metrics.

Imports nothing of the project, so every layer may report to it.
"""
