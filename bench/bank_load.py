"""Big-bank benchmark: generate a bank of about SIZE MB and load, check and import it.

    .venv/bin/python -m bench.bank_load [--mb 20] [--format yaml|csv] [--import] [--database URL]

Prints, for each step, the wall time and the peak memory: the process's peak
resident set size (``resource.ru_maxrss``) and, with ``--tracemalloc``, the
peak of Python allocations (slower: tracemalloc hooks every allocation).
Speed targets live here, never in unit tests: the machines are shared.
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

WORDS_KY = "Кыргыз Республикасынын мамлекеттик кызмат жөнүндө мыйзамы өкмөттүн токтому боюнча".split()
WORDS_RU = "Закон Кыргызской Республики о государственной гражданской службе и муниципальной".split()


def _sentence(words: list[str], n: int, seed: int) -> str:
    return " ".join(words[(seed * 7 + i * 3) % len(words)] for i in range(n))


def _yaml_item(i: int) -> str:
    opts = "".join(
        f"      - {{id: {o}, ky: \"{_sentence(WORDS_KY, 6, i + k)}\", ru: \"{_sentence(WORDS_RU, 6, i + k)}\"}}\n"
        for k, o in enumerate("abcd"))
    return (f"  - id: BIG-{i:06d}\n    version: 1\n    topic: T{i % 20:02d}\n    type: single\n"
            f"    difficulty: {1 + i % 5}\n    source: \"ст. {i % 90 + 1}\"\n"
            f"    text:\n      ky: \"{_sentence(WORDS_KY, 25, i)}?\"\n      ru: \"{_sentence(WORDS_RU, 25, i)}?\"\n"
            f"    options:\n{opts}    key: [{'abcd'[i % 4]}]\n")


def _topics_yaml() -> str:
    return "topics:\n" + "".join(
        f"  - {{code: T{t:02d}, section: basic, title: {{ky: \"Тема {t}\", ru: \"Тема {t}\"}}}}\n" for t in range(20))


def generate(folder: Path, megabytes: int, fmt: str) -> tuple[Path, int]:
    """Write a bank of about ``megabytes`` MB into ``folder``; returns (path, item count)."""
    target = megabytes * 1024 * 1024
    (folder / "topics.yaml").write_text(_topics_yaml(), encoding="utf-8")
    n = 0
    if fmt == "yaml":
        path = folder / "items.yaml"
        with path.open("w", encoding="utf-8") as out:
            out.write("items:\n")
            size = 7
            while size < target:
                chunk = _yaml_item(n)
                out.write(chunk)
                size += len(chunk.encode())
                n += 1
    else:
        import csv

        path = folder / "items.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            header = ["id", "topic", "key", "text_ky", "text_ru"] + [f"{o}_{l}" for o in "abcd" for l in ("ky", "ru")]
            writer.writerow(header)
            while out.tell() < target:
                row = [f"BIG-{n:06d}", f"T{n % 20:02d}", "abcd"[n % 4],
                       _sentence(WORDS_KY, 25, n) + "?", _sentence(WORDS_RU, 25, n) + "?"]
                for k in range(4):
                    row += [_sentence(WORDS_KY, 6, n + k), _sentence(WORDS_RU, 6, n + k)]
                writer.writerow(row)
                n += 1
    return folder, n


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _step(name: str, fn, trace: bool):
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    extra = ""
    if trace:
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        extra = f"  python peak={peak / 2**20:7.1f} MB"
    print(f"{name:<14} {elapsed:7.2f} s  peak RSS so far={_peak_rss_mb():7.1f} MB{extra}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--format", choices=("yaml", "csv"), default="yaml")
    parser.add_argument("--import", dest="do_import", action="store_true", help="also import into a database")
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    import yaml

    from question_bank.formats import load_bank

    folder = Path(tempfile.mkdtemp(prefix="examserver-bankbench-"))
    path, n = generate(folder, args.mb, args.format)
    size = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
    print(f"bank: {n} items, {size:.1f} MB ({args.format}); libyaml: {yaml.__with_libyaml__}")
    print(f"start          peak RSS={_peak_rss_mb():7.1f} MB")
    bank = _step("load_bank", lambda: load_bank(path), args.tracemalloc)
    assert len(bank.items) == n
    del bank
    if args.do_import:
        from examserver import create_app
        from examserver.bank.importing import import_bank
        from examserver.core import audit
        from examserver.db import db
        from examserver.migrate import upgrade

        url = args.database or f"sqlite:///{folder}/bench.sqlite"
        app = create_app({"MODE": "demo", "DATABASE_URL": url, "INSTANCE_PATH": str(folder)})
        upgrade(app)
        with app.app_context():
            def run():
                summary = import_bank(path, audit.Actor.cli())
                db.session.commit()
                return summary
            summary = _step("bank import", run, args.tracemalloc)
            assert summary.items_added == n
            _step("re-import", lambda: import_bank(path, audit.Actor.cli(), dry_run=True), args.tracemalloc)


if __name__ == "__main__":
    main()
