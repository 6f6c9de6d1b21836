import keyring
import pytest
from keyring.backend import KeyringBackend

from genesys_tui.core import credentials as creds


def test_environment_beats_keyring(monkeypatch, memory_keyring):
    creds.store_secret(creds.CLIENT_SECRET, "login.mypurecloud.com", "cid", "from-keyring")
    monkeypatch.setenv("GENESYS_CLIENT_ID", "cid")
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", "from-env")
    c = creds.resolve_client_credentials("login.mypurecloud.com", "")
    assert (c.client_id, c.client_secret, c.source) == ("cid", "from-env", "environment")
    assert "from-env" not in repr(c)


def test_keyring_used_when_no_environment(memory_keyring):
    creds.store_secret(creds.CLIENT_SECRET, "login.mypurecloud.ie", "cid", "s3cret-value")
    c = creds.resolve_client_credentials("login.mypurecloud.ie", "cid")
    assert c.client_secret == "s3cret-value" and c.source == "keyring"
    # another region keeps its own secret
    with pytest.raises(creds.CredentialsError, match="run `genesys-tui login`"):
        creds.resolve_client_credentials("login.mypurecloud.com", "cid")


def test_missing_client_id_explains(memory_keyring):
    with pytest.raises(creds.CredentialsError, match="GENESYS_CLIENT_ID"):
        creds.resolve_client_credentials("login.mypurecloud.com", "")


def test_delete(memory_keyring):
    creds.store_secret(creds.CLIENT_SECRET, "h", "cid", "value123")
    assert creds.delete_secret(creds.CLIENT_SECRET, "h", "cid") is True
    assert creds.delete_secret(creds.CLIENT_SECRET, "h", "cid") is False


def test_no_backend_gives_instructions():
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    with pytest.raises(creds.KeyringUnavailable) as ei:
        creds.store_secret(creds.CLIENT_SECRET, "h", "cid", "value123")
    msg = str(ei.value)
    assert "GENESYS_CLIENT_SECRET" in msg and "gnome-keyring" in msg
    assert "not usable" in creds.describe_backend()


class PlaintextKeyring(KeyringBackend):
    """Stands in for keyrings.alt.file.PlaintextKeyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self):
        super().__init__()
        self.data = {}

    def get_password(self, s, u):
        return self.data.get((s, u))

    def set_password(self, s, u, p):
        self.data[(s, u)] = p

    def delete_password(self, s, u):
        self.data.pop((s, u))


def test_plaintext_backend_refused_unless_opted_in():
    kr = PlaintextKeyring()
    keyring.set_keyring(kr)
    with pytest.raises(creds.KeyringUnavailable, match="plaintext"):
        creds.store_secret(creds.CLIENT_SECRET, "h", "cid", "value123")
    assert kr.data == {}
    assert "refused: plaintext" in creds.describe_backend()
    creds.store_secret(creds.CLIENT_SECRET, "h", "cid", "value123", allow_plaintext=True)
    assert list(kr.data.values()) == ["value123"]


def test_keyring_errors_become_credentials_errors():
    class Broken(PlaintextKeyring):
        def get_password(self, s, u):
            raise keyring.errors.KeyringLocked("locked")

    Broken.__name__ = "SecretServiceKeyring"
    keyring.set_keyring(Broken())
    with pytest.raises(creds.CredentialsError, match="KeyringLocked"):
        creds.load_secret(creds.CLIENT_SECRET, "h", "cid")
