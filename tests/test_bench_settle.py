"""`ltc bench settle` runs end to end at a tiny size (a smoke test: nothing here is timed)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_settle_benchmark_prints_its_keys() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ltc.cli", "bench", "settle", "--visits", "400", "--providers", "3", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("visits", "providers", "seconds", "raw_sql_seconds", "peak_rss_mb", "ledger_imbalance_fen"):
        assert key in result
    assert (result["visits"], result["providers"], result["settlements"], result["approved"]) == (400, 3, 3, 3)
    assert result["ledger_imbalance_fen"] == 0 and result["fund_fen"] > 0
    checks = result["checks"]
    assert checks["counted_visits"] == checks["raw_visits"] and checks["verified_minutes"] == checks["raw_minutes"]
