"""CPU accounting from /proc: who used the 2 cores during a phase (client, app server, PostgreSQL,
everything else) and how much the hypervisor stole. Linux only; returns zeros elsewhere."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_ticks(pid: int) -> tuple[int, str, int] | None:
    """(ppid, comm, utime+stime ticks) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    return int(rest[1]), comm, int(rest[11]) + int(rest[12])


def _all_procs() -> dict[int, tuple[int, str, int]]:
    procs = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            info = _proc_ticks(int(entry))
            if info is not None:
                procs[int(entry)] = info
    return procs


def _machine() -> tuple[int, int, int]:
    """(busy, idle+iowait, steal) ticks of all CPUs."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0, 0
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, idle + iowait, steal


@dataclass
class Snapshot:
    server: dict[int, int] = field(default_factory=dict)
    postgres: dict[int, int] = field(default_factory=dict)
    client: dict[int, int] = field(default_factory=dict)
    busy: int = 0
    idle: int = 0
    steal: int = 0


def _is_ours_or_shared(pid: int, db_name: str) -> bool:
    """A PostgreSQL backend of the bench database, or a shared background process (WAL writer,
    checkpointer, ...). Other databases' backends (colleagues' tests) count as "other"."""
    try:
        title = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return False
    if f" {db_name} " in title:
        return True
    return not any(marker in title for marker in ("127.0.0.1(", "[local]", "::1(", "localhost("))


def snapshot(
    server_pid: int | None, client_pid: int | None = None, *, db_name: str = ""
) -> Snapshot:
    procs = _all_procs()
    snap = Snapshot()
    snap.busy, snap.idle, snap.steal = _machine()
    server_tree = {server_pid} if server_pid else set()
    for pid, (ppid, _comm, _t) in procs.items():
        if ppid in server_tree:
            server_tree.add(pid)
    for pid, (_ppid, comm, ticks) in procs.items():
        if pid in server_tree:
            snap.server[pid] = ticks
        elif (comm == "postgres" or comm.startswith("postgres:")) and (
            not db_name or _is_ours_or_shared(pid, db_name)
        ):
            snap.postgres[pid] = ticks
        elif client_pid and pid == client_pid:
            snap.client[pid] = ticks
    return snap


@dataclass
class CpuUse:
    """CPU seconds used between two snapshots (a 2-core machine offers 2 s per wall second)."""

    wall: float
    server: float
    postgres: float
    client: float
    other: float
    idle: float
    steal: float

    def shares(self) -> str:
        cap = max(self.wall * (os.cpu_count() or 2), 1e-9)
        return (
            f"client {self.client / cap:4.0%} app {self.server / cap:4.0%} pg {self.postgres / cap:4.0%} "
            f"other {self.other / cap:4.0%} idle {self.idle / cap:4.0%} steal {self.steal / cap:4.0%}"
        )


def _delta(before: dict[int, int], after: dict[int, int]) -> float:
    # Processes born during the phase count from zero; ones that died are lost (rare: none of
    # ours should die during a phase).
    return sum(t - before.get(pid, 0) for pid, t in after.items()) / TICK


def cpu_between(
    a: Snapshot, b: Snapshot, wall: float, *, client_cpu: float | None = None
) -> CpuUse:
    server = _delta(a.server, b.server)
    postgres = _delta(a.postgres, b.postgres)
    client = client_cpu if client_cpu is not None else _delta(a.client, b.client)
    busy = (b.busy - a.busy) / TICK
    return CpuUse(
        wall=wall,
        server=server,
        postgres=postgres,
        client=client,
        other=max(busy - server - postgres - client, 0.0),
        idle=(b.idle - a.idle) / TICK,
        steal=(b.steal - a.steal) / TICK,
    )
