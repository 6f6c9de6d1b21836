import pytest

from genesys_tui.genesys.regions import (
    REGIONS,
    CustomHostRefused,
    RegionError,
    hosts_for,
    resolve_region,
)


def test_all_18_regions():
    assert len(REGIONS) == 18
    assert REGIONS["us_east_1"] == "mypurecloud.com"
    assert REGIONS["eusc_de_east_1"] == "edee1.eusc-pure.cloud"


@pytest.mark.parametrize("key, domain", sorted(REGIONS.items()))
def test_hosts_for_every_region(key, domain):
    h = hosts_for(key)
    assert h.api_base == f"https://api.{domain}" and h.login_base == f"https://login.{domain}"
    assert resolve_region(domain) == (key, domain)
    assert resolve_region(key.replace("_", "-")) == (key, domain)
    assert resolve_region(f"api.{domain}") == (key, domain)


def test_unknown_region():
    with pytest.raises(RegionError, match="unknown region"):
        resolve_region("mars_north_1")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:80", "http://127.9.9.9:1"]
)
def test_loopback_base_url_is_accepted(url):
    h = hosts_for("us_east_1", url)
    assert h.is_custom and h.api_base == url and h.login_base == url


def test_non_loopback_needs_explicit_permission():
    with pytest.raises(CustomHostRefused, match="--allow-custom-host"):
        hosts_for("us_east_1", "https://api.evil.example")
    h = hosts_for("us_east_1", "https://api.proxy.example", allow_custom_host=True)
    assert h.login_base == "https://login.proxy.example"


def test_plain_http_only_on_loopback():
    with pytest.raises(CustomHostRefused, match="plain http"):
        hosts_for("us_east_1", "http://proxy.example", allow_custom_host=True)


def test_owns_only_api_and_login_origins():
    h = hosts_for("eu_west_1")
    assert h.owns("https://api.mypurecloud.ie/api/v2/x") and h.owns(
        "https://login.mypurecloud.ie/oauth/token"
    )
    assert not h.owns("https://prod-us-east-1-recordings.s3.amazonaws.com/x?sig=1")
    assert not h.owns("http://api.mypurecloud.ie/api/v2/x")  # scheme matters
