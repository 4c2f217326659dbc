"""Prometheus metrics: what the service counts, and the one place that defines each metric.

Other code calls the small functions below, never the metric objects. Labels are kept few and bounded:
route templates (not paths), GraphQL operation names (checked, and at most `MAX_OPERATION_NAMES` per
process, then "other"), outcomes and limit kinds (fixed sets), never ids or people.

With several worker processes the client's multiprocess mode is used: `PROMETHEUS_MULTIPROC_DIR` must
name an empty directory before the processes start (`yibao serve --workers N` sets one up), and
`exposition()` then adds up every process's files.

Only the service's own metrics are exported, and the same ones in both modes: not the client's default
process_*, python_gc_* and python_info collectors (the multiprocess collector cannot add up per-process
gauges, so a series an alert relies on would vanish when a second worker starts; CPU, memory and file
descriptors of every worker are the host's or the container runtime's exporter's job), and no
*_created timestamps beside each counter (which multiprocess mode drops too).
"""

from __future__ import annotations

import os
import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
MAX_OPERATION_NAMES = 200
_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Seconds; pages and settlements take milliseconds, a slow database pushes them into the top buckets.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

disable_created_metrics()
REGISTRY = CollectorRegistry()  # the service's metrics alone (not prometheus_client's default registry)

HTTP_REQUESTS = Counter("http_requests", "HTTP requests answered, by route template, method and status.",
                        ["route", "method", "status"], registry=REGISTRY)
HTTP_LATENCY = Histogram("http_request_duration_seconds", "Time to answer an HTTP request, by route template.",
                         ["route", "method"], buckets=_BUCKETS, registry=REGISTRY)
GRAPHQL_OPERATIONS = Counter("graphql_operations", "GraphQL operations run, by operation name and type, and "
                             "whether the answer carried errors.", ["operation", "type", "outcome"], registry=REGISTRY)
GRAPHQL_LATENCY = Histogram("graphql_operation_duration_seconds", "Time to run a GraphQL operation, by name.",
                            ["operation", "type"], buckets=_BUCKETS, registry=REGISTRY)
SETTLEMENTS = Counter("settlements", "Settlement operations (settle, refund, reverse) by outcome: done, replayed "
                      "(an idempotent retry answered with the first result) or refused.", ["operation", "outcome"], registry=REGISTRY)
HSA_TRANSACTIONS = Counter("hsa_transactions", "HSA gateway messages (/hsa/v1) by infno and result: ok, refused "
                           "(infcode -1) or replayed (a msgid's first reply sent again).", ["infno", "result"],
                           registry=REGISTRY)
CODES_ISSUED = Counter("codes_issued", "Presented codes issued.", registry=REGISTRY)
CODES_RESOLVED = Counter("codes_resolved", "Codes partners resolved, by outcome (ok or the refusal's code).",
                         ["outcome"], registry=REGISTRY)
RATE_LIMIT_REFUSALS = Counter("rate_limit_refusals", "Requests refused by an attempt counter, by the counter's kind.",
                              ["limit"], registry=REGISTRY)
ROSTER_IMPORT_JOBS = Counter("roster_import_jobs", "Roster import jobs by outcome.", ["outcome"], registry=REGISTRY)

_operation_names: set[str] = set()


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def operation_label(name: str | None) -> str:
    """A GraphQL operation name as a label: the name callers chose, kept bounded."""
    if not name:
        return "anonymous"
    if not _OPERATION_NAME.fullmatch(name):
        return "invalid"
    if name not in _operation_names:
        if len(_operation_names) >= MAX_OPERATION_NAMES:
            return "other"
        _operation_names.add(name)
    return name


def request_answered(route: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_LATENCY.labels(route, method).observe(seconds)


def graphql_operation(name: str | None, kind: str, *, errors: bool, seconds: float) -> None:
    label = operation_label(name)
    GRAPHQL_OPERATIONS.labels(label, kind, "errors" if errors else "ok").inc()
    GRAPHQL_LATENCY.labels(label, kind).observe(seconds)


def settlement(operation: str, outcome: str) -> None:
    """`operation`: settle, refund or reverse; `outcome`: done, replayed or refused."""
    SETTLEMENTS.labels(operation, outcome).inc()


def hsa_transaction(infno: str, result: str) -> None:
    """`infno`: a transaction the gateway knows, or "other"; `result`: ok, refused or replayed."""
    HSA_TRANSACTIONS.labels(infno, result).inc()


def code_issued() -> None:
    CODES_ISSUED.inc()


def code_resolved(outcome: str) -> None:
    CODES_RESOLVED.labels(outcome).inc()


def rate_limited(limit: str) -> None:
    RATE_LIMIT_REFUSALS.labels(limit).inc()


def roster_import_job(outcome: str) -> None:
    """A roster import job ended: `outcome` is its final status (done, invalid, failed, cancelled)."""
    ROSTER_IMPORT_JOBS.labels(outcome).inc()


def exposition() -> tuple[bytes, str]:
    """The text format for /metrics: this process's registry, or every worker's files in multiprocess mode."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
