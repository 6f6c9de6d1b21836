from genesys_tui.core.redact import MASK, redact, register_secret


def test_patterns():
    assert "abc.def" not in redact("Authorization: Bearer abc.def-123456")
    assert "dXNlcjpwYXNz" not in redact("Authorization: Basic dXNlcjpwYXNz")
    s = redact(
        "GET https://b.s3.amazonaws.com/r.wav?X-Amz-Date=1&X-Amz-Signature=deadbeef99&X-Amz-Credential=AKIA/x"
    )
    assert "deadbeef99" not in s and "AKIA" not in s and "X-Amz-Date=1" in s
    assert "hunter22" not in redact('{"access_token": "hunter22", "expires_in": 3}')
    assert "rt-12345" not in redact("grant_type=refresh_token&refresh_token=rt-12345&client_id=x")
    assert "verif123" not in redact("code_verifier=verif123")


def test_registered_values_masked_anywhere():
    register_secret("very-secret-thing")
    assert redact("oops very-secret-thing leaked") == f"oops {MASK} leaked"
    register_secret("abc")  # too short to mask safely
    assert redact("abc") == "abc"
