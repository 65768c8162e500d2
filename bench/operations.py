"""What metrics and JSON logs cost: the read and write figures of `bench/api.py` on two
servers over copies of the same demo file, one with both off (as the other figures run),
one with `--metrics` and `--log-format json` (an access line per request, written to its
log file, and the counters of every request, command and save), measured in
interleaved rounds of the same run. Target: on within 10% of off (ratio >= 0.9), and the
server's CPU time per read within 10% (ratio <= 1.1).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from bench import queries
from bench.api import _copy
from bench.data import demo_database
from bench.harness import Load, Row, Server, Stats, graphql_body, load, log
from decisionlog.operations.logs import log_config

READ_OFF = "operations: read, metrics and logs off"
READ_ON = "operations: read, metrics and JSON logs on"
WRITE_OFF = "operations: write, metrics and logs off"
WRITE_ON = "operations: write, metrics and JSON logs on"
CPU_OFF = "operations: server CPU per read, off"
CPU_ON = "operations: server CPU per read, on"
CONNECTIONS = 16


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(*, quick: bool = False) -> list[Row]:
    seconds, rounds = (2.0, 3) if quick else (5.0, 4)
    with tempfile.TemporaryDirectory(prefix="decisionlog-bench-ops-") as temporary:
        directory = Path(temporary)
        database = demo_database(directory / "off.db")
        config = directory / "log-config.json"
        config.write_text(json.dumps(log_config("json", "info")))
        off = Server(database.path, directory / "off.log", headers=database.headers)
        on = Server(_copy(database.path, directory / "on.db"), directory / "on.log",
                    headers=database.headers,
                    env={"DECISIONLOG_METRICS": "1", "DECISIONLOG_LOG_FORMAT": "json"},
                    args=["--log-level", "info", "--log-config", str(config),
                          "--no-access-log"])
        read_body = graphql_body(queries.READ, {"id": database.demo_id})
        write_body = graphql_body(queries.RECORD_DECISION, {"input": database.write_input})
        runs: dict[str, list[Load]] = {READ_OFF: [], READ_ON: [], WRITE_OFF: [],
                                       WRITE_ON: []}
        cpu: dict[str, list[float]] = {READ_OFF: [], READ_ON: []}
        with off, on:
            for server in (off, on):  # warm-up
                load(server.url + "/graphql", bodies=[read_body], seconds=1,
                     connections=4, headers=server.headers)
            for round_ in range(rounds):
                log(f"operations: round {round_ + 1} of {rounds}")
                order = [(READ_OFF, off, read_body), (READ_ON, on, read_body),
                         (WRITE_OFF, off, write_body), (WRITE_ON, on, write_body)]
                if round_ % 2:  # who goes first alternates too
                    order = [order[1], order[0], order[3], order[2]]
                for name, server, body in order:
                    used = cpu_seconds(server.pid)
                    result = load(server.url + "/graphql", bodies=[body], seconds=seconds,
                                  connections=CONNECTIONS, headers=server.headers)
                    used = cpu_seconds(server.pid) - used
                    if result.errors:
                        raise RuntimeError(f"{name}: {result.errors} failed requests")
                    runs[name].append(result)
                    if name in cpu and result.requests:
                        cpu[name].append(used / result.requests * 1e6)
            access_lines = sum(1 for line in (directory / "on.log").open()
                               if '"decisionlog.access"' in line)
        if not access_lines:
            raise RuntimeError("the JSON access log wrote nothing")

    def rates(name: str) -> Stats:
        return Stats.of([r.rate for r in runs[name]])

    note = f"{CONNECTIONS} connections, interleaved rounds"
    return [
        Row(READ_OFF, "req/s", rates(READ_OFF), note=note),
        Row(READ_ON, "req/s", rates(READ_ON), limit=READ_OFF, target=">= 0.9",
            note=f"{access_lines:,} JSON access lines written"),
        Row(WRITE_OFF, "req/s", rates(WRITE_OFF), note=note),
        Row(WRITE_ON, "req/s", rates(WRITE_ON), limit=WRITE_OFF, target=">= 0.9"),
        Row(CPU_OFF, "us", Stats.of(cpu[READ_OFF]),
            note="the server process's CPU time over its requests: steadier than rates "
                 "on a shared machine"),
        Row(CPU_ON, "us", Stats.of(cpu[READ_ON]), limit=CPU_OFF, target="<= 1.1"),
    ]
