"""The table ``bench.hall`` prints: B1-B5, the floor ratio and the restart, against the targets."""
from __future__ import annotations

import os


def pct(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def table(r: dict) -> str:
    b1, b2, b3, b4 = r.get("B1", {}), r.get("B2", {}), r.get("B3", {}), r.get("B4", {})
    b5 = r.get("B5", {})
    real, floor = b2.get("real", {}), b2.get("floor", {})
    fmt = lambda v, f="{:.1f}": "-" if v is None else f.format(v)  # noqa: E731
    rows = [
        ("B1 start storm", f"N={b1.get('n')}: all on question 1 in {fmt(b1.get('all_started_s'))} s, "
                           f"errors {b1.get('errors')}", "N=1000 <= 15 s, 0 errors"),
        ("B2 saves (real)", f"{fmt(real.get('saves_per_s'), '{:.0f}')}/s p50 {fmt(real.get('p50_ms'))} ms "
                            f"p99 {fmt(real.get('p99_ms'))} ms ({real.get('clients')} clients)", ">= 1000/s, p99 <= 50 ms"),
        ("B2 saves (floor)", f"{fmt(floor.get('saves_per_s'), '{:.0f}')}/s p50 {fmt(floor.get('p50_ms'))} ms "
                             f"p99 {fmt(floor.get('p99_ms'))} ms", ""),
        ("B2 floor ratio", fmt(b2.get("ratio"), "{:.2f}"), ">= 0.65"),
        ("B2 CPU per save", f"server {fmt(real.get('server_cpu_ms_per_save'), '{:.2f}')} ms (floor "
                            f"{fmt(floor.get('server_cpu_ms_per_save'), '{:.2f}')}), generator "
                            f"{fmt(real.get('generator_cpu_ms_per_save'), '{:.2f}')} ms", ""),
        ("B3 finish storm", f"N={b3.get('n')}: all finished in {fmt(b3.get('all_finished_s'))} s, "
                            f"errors {b3.get('errors')}", "N=1000 <= 30 s"),
        ("B4 live room", f"p99 {fmt(b4.get('p99_ms'))} ms with {r.get('active')} active attempts, errors "
                         f"{b4.get('errors')}", "p99 <= 300 ms (2000 active)"),
        ("B5 CPU per exam", f"{fmt(b5.get('cpu_s_per_exam'), '{:.3f}')} CPU-s ({b5.get('polls_per_exam')} polls)",
         "<= 0.5 CPU-s"),
        ("restart -> 1st save", f"{fmt(r.get('restart_first_save_s'))} s", "<= 5 s (idle)"),
    ]
    # The server runs gunicorn_conf's worker class unless GUNICORN_WORKER_CLASS names another.
    worker = r.get("worker_class") or os.environ.get("GUNICORN_WORKER_CLASS") or "balanced gthread"
    head = (f"examserver hot path — {r['backend']}, gunicorn {r['workers']}x{r['threads']} {worker}, "
            f"{r['cpus']} CPUs, load {r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}")
    width = max(len(a) for a, _b, _c in rows)
    lines = [head, "-" * len(head)]
    lines += [f"{a:<{width}}  {b:<70}  {c}" for a, b, c in rows]
    return "\n".join(lines)
