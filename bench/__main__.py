"""`make bench`: run every benchmark, print its figures and ratios, save them as JSON.

python -m bench [login] [logins] [dashboard] [outage] [bot] [bracket] [tournament] [delivery]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return f"{os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB"


def report(name: str, figures: dict) -> None:
    print(f"\n== {name}")
    for key, value in figures.items():
        if isinstance(value, dict):
            inner = ", ".join(
                f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in value.items()
            )
            print(f"  {key}: {inner}")
        else:
            print(f"  {key}: {value:.2f}" if isinstance(value, float) else f"  {key}: {value}")


def main(names: list[str]) -> int:
    # Each benchmark runs in a fresh process: its own database, simulator and site.
    import subprocess

    selected = names or [
        "login",
        "logins",
        "dashboard",
        "outage",
        "bot",
        "bracket",
        "tournament",
        "delivery",
    ]
    results = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"), "machine": machine()}
    for name in selected:
        out = subprocess.run(
            [sys.executable, "-c", f"import json, bench.{name} as b; print(json.dumps(b.run()))"],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            sys.stderr.write(out.stdout + out.stderr)
            return out.returncode
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        report(name, results[name])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"\nSaved to {RESULTS / 'latest.json'} ({results['machine']}, {results['date']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
