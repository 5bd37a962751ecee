"""The `benchmate` command line, run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def benchmate(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_seed_grant_and_tick(tmp_path: Path) -> None:
    seeded = benchmate(tmp_path, "demo", "seed")
    assert seeded.returncode == 0, seeded.stderr
    assert "Seeded a demo network" in seeded.stdout
    assert "already has members" in benchmate(tmp_path, "demo", "seed").stdout

    granted = benchmate(tmp_path, "roles", "grant", "priya", "champion")
    assert granted.returncode == 0 and "Priya Shah is now champion" in granted.stdout
    missing = benchmate(tmp_path, "roles", "grant", "nobody", "champion")
    assert missing.returncode == 1 and "No single member" in missing.stderr

    ticked = benchmate(tmp_path, "tick", "--now", "2026-03-02T09:00:00Z")
    assert ticked.returncode == 0 and ticked.stdout.splitlines()[-1].startswith("Tick:")
    # The demo's lead gets the monthly digest (it is the first week of March).
    assert "report.digest 1" in ticked.stdout and "in February 2026" in ticked.stdout
    again = benchmate(tmp_path, "tick", "--now", "2026-03-02T09:00:00Z")
    assert again.returncode == 0

    console = benchmate(tmp_path, "console", "--as", "alex", stdin="admin role list champion\n")
    assert "Priya Shah" in console.stdout


def test_help_and_unknown_commands(tmp_path: Path) -> None:
    assert benchmate(tmp_path).returncode == 2
    assert benchmate(tmp_path, "frobnicate").returncode == 2
