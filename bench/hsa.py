"""Settlements per second through the HSA gateway (POST /hsa/v1, 2102) beside the same settlements through
/graphql (`settle`), in the same run, on the same served app and database.

    .venv/bin/python bench/hsa.py [--clients 16] [--seconds 10] [--workers 2] [--codes 400]

Needs PostgreSQL, as bench/settle.py (whose setup it reuses: a fresh database `yibao_bench`, resident
children whose parents' grants pay, four children per grantor, codes written beforehand). Each child is
read once with 1101 (psn_no); then client threads post `settle` through /graphql, then 2102 envelopes
(the same two lines: a List A drug and a non-medical item) through the gateway, each with its own code,
msgid and idempotency. It prints both rates and latencies and gateway / graph (target: at least 90%).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu  # noqa: E402  (bench/cpu.py: CPU seconds of processes)
import settle as bench  # noqa: E402  (bench/settle.py: setup, serve, clients)

CHINA = timezone(timedelta(hours=8))
INSTITUTION_CODE = "P37010299999"
LINES = [{"feedetl_sn": "0001", "medins_list_codg": "86900001", "medins_list_name": "阿莫西林", "chrgitm_lv": "01",
          "pric": "25.00", "cnt": 2, "det_item_fee_sumamt": "50.00"},
         {"feedetl_sn": "0002", "medins_list_codg": "69000002", "medins_list_name": "喉糖", "chrgitm_lv": "99",
          "pric": "8.50", "cnt": 1, "det_item_fee_sumamt": "8.50"}]


def envelope(infno: str, input: dict) -> dict:
    at = datetime.now(CHINA)
    return {"infno": infno, "msgid": f"P{uuid.uuid4().hex[:29]}", "mdtrtarea_admvs": "370102", "insuplc_admdvs": "",
            "recer_sys_code": "YBXT", "infver": "V1.0", "opter_type": "1", "opter": "0001", "opter_name": "bench",
            "inf_time": f"{at:%Y-%m-%d %H:%M:%S}", "fixmedins_code": INSTITUTION_CODE, "fixmedins_name": "bench pharmacy",
            "input": input}


def give_code(rt) -> None:
    from sqlalchemy import update

    from backend.storage.models import Institution

    rt.db.write(lambda s: s.execute(update(Institution).values(institution_code=INSTITUTION_CODE)))


def person_numbers(base: str, key: str, code_lists) -> list[str]:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        numbers = []
        for codes in code_lists:
            reply = http.post("/hsa/v1", json=envelope("1101", {"data": {"mdtrt_cert_type": "01",
                                                                         "mdtrt_cert_no": codes[0]}})).json()
            if reply["infcode"] != 0:
                raise SystemExit(f"1101 refused: {reply['err_msg']}")
            numbers.append(reply["output"]["baseinfo"]["psn_no"])
    return numbers


def gateway_run(base: str, key: str, code_lists, psn_nos: list[str], clients: int, seconds: float):
    sessions = [httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
                for _ in range(clients)]
    failures = []

    def work(i: int, n: int) -> bool:
        if n >= len(code_lists[i]):
            return False
        druginfo = {"psn_no": psn_nos[i], "mdtrt_cert_type": "01", "mdtrt_cert_no": code_lists[i][n], "med_type": "41",
                    "medfee_sumamt": "58.50", "insutype": "390", "acct_used_flag": "1"}
        reply = sessions[i].post("/hsa/v1", json=envelope("2102", {"druginfo": druginfo, "drugdetail": LINES})).json()
        if reply["infcode"] != 0:
            failures.append(reply.get("err_msg"))
        return True

    rate, latencies = bench.run_clients(clients, seconds, work)
    for s in sessions:
        s.close()
    return rate, latencies, failures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--codes", type=int, default=400, help="codes issued per client and run beforehand")
    parser.add_argument("--rounds", type=int, default=2,
                        help="graph, gateway, graph, gateway, ...: alternating, so a busy moment hurts both alike")
    args = parser.parse_args(argv)
    bench.fresh_database()
    print(f"setting up {args.clients} grantees and {2 * args.clients * args.codes} codes ...", flush=True)
    per_round = args.codes
    rt, key, code_lists = bench.setup(args.clients, 2 * args.rounds * per_round)
    give_code(rt)
    proc, base = bench.serve(args.workers)
    graph_rates, rates, graph_latencies, latencies, graph_failures, failures = [], [], [], [], [], []
    app_cpu = {"graph": 0.0, "gateway": 0.0}  # seconds of the app's processes, per path

    def metered(path: str, run):
        meter = cpu.Meter(lambda: cpu.process_tree(proc.pid))
        meter.start()
        result = run()
        app_cpu[path] += meter.stop()
        return result

    try:
        psn_nos = person_numbers(base, key, code_lists)
        for r in range(args.rounds):
            graph_codes = [codes[2 * r * per_round:(2 * r + 1) * per_round] for codes in code_lists]
            gateway_codes = [codes[(2 * r + 1) * per_round:(2 * r + 2) * per_round] for codes in code_lists]
            rate, lat, fail = metered("graph", lambda codes=graph_codes: bench.graphql_run(
                base, key, codes, args.clients, args.seconds))
            graph_rates.append(rate)
            graph_latencies.extend(lat)
            graph_failures.extend(fail)
            rate, lat, fail = metered("gateway", lambda codes=gateway_codes: gateway_run(
                base, key, codes, psn_nos, args.clients, args.seconds))
            rates.append(rate)
            latencies.extend(lat)
            failures.extend(fail)
            print(f"round {r + 1}: graph {graph_rates[-1]:.0f}/s, gateway {rates[-1]:.0f}/s", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    graph_rate, rate = statistics.mean(graph_rates), statistics.mean(rates)
    print(f"PostgreSQL, {args.clients} concurrent clients, {args.rounds} rounds of {args.seconds:.0f} s each, "
          f"uvicorn workers: {args.workers}, "
          f"cores: {os.cpu_count()}")
    print(bench.describe("settle through /graphql", graph_rate, graph_latencies))
    print(bench.describe("2102 through the HSA gateway", rate, latencies))
    graph_ms = app_cpu["graph"] * 1000 / max(1, len(graph_latencies))
    gateway_ms = app_cpu["gateway"] * 1000 / max(1, len(latencies))
    print(f"app CPU per settlement: graph {graph_ms:.1f} ms, gateway {gateway_ms:.1f} ms "
          f"(gateway / graph in settlements per app CPU second: {graph_ms / gateway_ms:.0%})")
    print(f"gateway / graph: {rate / graph_rate:.0%} (target at least 90%)   "
          f"failed requests: {len(failures) + len(graph_failures)}")
    for failure in (failures + graph_failures)[:1]:
        print("first failure:", failure)
    rt.db.dispose()
    return {"graph": graph_rate, "gateway": rate, "ratio": rate / graph_rate, "graph_cpu_ms": graph_ms,
            "gateway_cpu_ms": gateway_ms,
            "gateway_p50_ms": statistics.median(latencies) * 1000, "failures": len(failures) + len(graph_failures)}


if __name__ == "__main__":
    main()
