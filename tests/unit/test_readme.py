"""The README's two set-up commands are near the top, and .ci/run runs the test one as written."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_two_commands_near_the_top():
    text = (ROOT / "README.md").read_text()
    head = text[:2500]
    assert "genesys-tui demo" in head
    assert "pytest" in head and "<!-- test-command -->" in head


def test_ci_run_extracts_the_readme_test_command():
    out = subprocess.run(["awk", "/<!-- test-command -->/{getline; getline; print; exit}", "README.md"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert out.startswith("python3 -m venv .venv") and out.endswith("-m pytest")
    assert out in (ROOT / "README.md").read_text()
    assert "awk '/<!-- test-command -->/{getline; getline; print; exit}' README.md" in (ROOT / ".ci" / "run").read_text()
