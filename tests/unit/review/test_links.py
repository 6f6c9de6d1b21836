"""Moments as text (`ID@MM:SS`, what `genesys-tui open` takes and Review's y copies): every
spelling read, written back the same, nonsense refused with a clear error."""

import pytest

from genesys_tui.flows.review.links import Moment, MomentError, parse_moment

CID = "74a9811f-2c1b-4d59-9a0e-1d2c3b4a5f60"


@pytest.mark.parametrize(
    "text, recording, ms",
    [
        (CID, None, 0),
        (f"{CID}@01:23", None, 83_000),
        (f"{CID}@1:02:03", None, 3_723_000),
        (f"{CID}@95.5", None, 95_500),
        (f"{CID}@r2/00:07", 2, 7000),
        (f" {CID}@recording3/10:00 ", 3, 600_000),
    ],
)
def test_spellings(text, recording, ms):
    m = parse_moment(text)
    assert (m.conversation_id, m.recording, m.ms) == (CID, recording, ms)
    back = parse_moment(m.text())  # written back (to the tenth), read the same
    assert (back.recording, back.ms) == (m.recording, m.ms // 100 * 100)


@pytest.mark.parametrize(
    "text",
    ["nope@01:00", f"{CID}@1:75", f"{CID}@r0/01:00", f"{CID}@soon", f"{CID}@1:2:3:4", f"{CID}@::"],
)
def test_nonsense_is_refused(text):
    with pytest.raises(MomentError):
        parse_moment(text)


def test_text_form():
    assert Moment(CID, None, 83_400).text() == f"{CID}@01:23.4"  # tenths kept
    assert Moment(CID, None, 83_000).text() == f"{CID}@01:23"
    assert Moment(CID, 2, 3_723_000).text() == f"{CID}@r2/1:02:03"
    for ms in (130_400, 59_900, 3_599_999, 1):  # what a link says opens where it was copied
        assert parse_moment(Moment(CID, 2, ms).text()) == Moment(CID, 2, ms // 100 * 100)


@pytest.mark.parametrize(
    "at", ["9" * 400, "1:" * 200 + "1", "9" * 17, "99999999:00:00", "1e308", "." * 50]
)
def test_a_huge_or_endless_moment_is_a_one_line_error(at):
    cid = "3f1c2a9e-1b2c-4d5e-8f90-0a1b2c3d4e5f"
    with pytest.raises(MomentError) as e:
        parse_moment(f"{cid}@{at}")
    assert len(str(e.value)) < 160 and "\n" not in str(e.value)


def test_open_with_a_400_digit_moment_says_so_in_one_line(capsys):
    from genesys_tui.cli.main import main

    rc = main(["open", "3f1c2a9e-1b2c-4d5e-8f90-0a1b2c3d4e5f@" + "9" * 400])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
