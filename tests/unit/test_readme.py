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
    out = subprocess.run(
        ["awk", "/<!-- test-command -->/{getline; getline; print; exit}", "README.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the browser for the one real-browser test first (never failing), then the venv and the suite
    assert out.startswith("bash tests/setup_browser.sh; python3 -m venv .venv")
    assert out.endswith("-m pytest -n 4 --dist worksteal")
    assert out in (ROOT / "README.md").read_text()
    assert (
        "awk '/<!-- test-command -->/{getline; getline; print; exit}' README.md"
        in (ROOT / ".ci" / "run").read_text()
    )


def test_the_readme_webhook_receiver_snippet_verifies_our_signatures():
    """A QA team copies this snippet: it must accept what the outbox signs and refuse the rest."""
    import re
    import time
    from pathlib import Path

    from genesys_tui.flows.supervise.webhook import sign

    text = (Path(__file__).parents[2] / "README.md").read_text()
    code = next(m for m in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify(" in m)
    ns: dict = {}
    exec(code, ns)  # noqa: S102 - our own README
    body, secret, now = (
        b'{"seq":1,"result":"dispatched"}',
        "a-long-signing-secret",
        int(time.time()),
    )
    header = sign(secret, body, now, "d1")
    assert ns["verify"](secret, body, header, "d1")
    assert not ns["verify"](secret, body.replace(b"dispatched", b"refused"), header, "d1")
    assert not ns["verify"]("another-secret-entirely", body, header, "d1")
    assert not ns["verify"](secret, body, sign(secret, body, now - 3600, "d1"), "d1")
    assert not ns["verify"](secret, body, header, "d2")  # a forged delivery id
