"""B1's tail: which terminals finished last, on which server process, and which request was slow.

``bench.hall`` (and ``bench.start_storm``) take the storm's results from
bench/loadgen.py ``storm`` (each terminal's local port and the trace of its
requests) and the server's open connections (``ss``) just before the storm,
and print this summary next to B1's figures.
"""
from __future__ import annotations

import re
import subprocess

from bench.report import pct


def port_owners(port: int) -> dict[int, str]:
    """Client port -> pid of the server process holding the connection (``ss``)."""
    out = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    owners = {}
    for line in out.splitlines():
        peer = re.search(r"\s\S+:(\d+)\s+users:", line)
        pid = re.search(r"pid=(\d+)", line)
        if peer and pid:
            owners[int(peer.group(1))] = pid.group(1)
    return owners


def summary(replies, owners: dict[int, str], slowest: int = 5) -> dict:
    """Per server process: terminals, p50 and last; the ``slowest`` terminals with their slowest request."""
    rows = [item for reply in replies if not (isinstance(reply, tuple) and reply and reply[0] == "error")
            for item in reply if item[0] == "ok" and len(item) == 4]
    per_worker: dict[str, list[float]] = {}
    for _ok, took, port, _trace in rows:
        per_worker.setdefault(owners.get(port, "?"), []).append(took)
    tail = []
    for _ok, took, port, trace in sorted(rows, key=lambda r: r[1], reverse=True)[:slowest]:
        path, start, slow, reopened = max(trace, key=lambda t: t[2]) if trace else ("-", 0, 0, False)
        tail.append({"s": round(took, 1), "worker": owners.get(port, "?"), "requests": len(trace),
                     "reopened": sum(1 for t in trace if t[3]), "slowest": path, "at_s": start, "took_s": slow})
    workers = {pid: {"n": len(t), "p50_s": round(pct(t, 50), 1), "last_s": round(max(t), 1)}
               for pid, t in sorted(per_worker.items())}
    return {"per_worker": workers, "slowest": tail,
            "reopened": sum(1 for r in rows for t in r[3] if t[3])}
