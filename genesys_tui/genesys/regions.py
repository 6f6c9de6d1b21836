"""Genesys Cloud regions: API host api.<domain>, login host login.<domain>."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from genesys_tui.core.errors import UserError

# SDK region key (= AWS region code) -> domain, from the official SDKs' region host tables.
REGIONS: dict[str, str] = {
    "us_east_1": "mypurecloud.com",
    "eu_west_1": "mypurecloud.ie",
    "ap_southeast_2": "mypurecloud.com.au",
    "ap_northeast_1": "mypurecloud.jp",
    "eu_central_1": "mypurecloud.de",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "ap_northeast_2": "apne2.pure.cloud",
    "eu_west_2": "euw2.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "us_east_2": "use2.us-gov-pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "eu_central_2": "euc2.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "eusc_de_east_1": "edee1.eusc-pure.cloud",
}


class RegionError(UserError, ValueError):
    pass


class CustomHostRefused(RegionError):
    pass


@dataclass(frozen=True)
class Hosts:
    """Where API calls and logins go. Credentials are only ever sent to these two origins."""

    name: str  # region key, or "custom"
    api_base: str  # e.g. https://api.mypurecloud.com
    login_base: str  # e.g. https://login.mypurecloud.com

    @property
    def api_host(self) -> str:
        return urlsplit(self.api_base).netloc

    @property
    def login_host(self) -> str:
        return urlsplit(self.login_base).netloc

    @property
    def is_custom(self) -> bool:
        return self.name == "custom"

    def owns(self, url: str) -> bool:
        """True when url points at the API or login origin (so it may carry our Authorization)."""
        origin = _origin(url)
        return origin in (_origin(self.api_base), _origin(self.login_base))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def resolve_region(value: str) -> tuple[str, str]:
    """Accept a region key (us_east_1, us-east-1) or a domain (mypurecloud.com, api.mypurecloud.com).
    Returns (key, domain)."""
    v = value.strip().lower()
    if "://" in v:
        v = urlsplit(v).netloc
    key = v.replace("-", "_")
    if key in REGIONS:
        return key, REGIONS[key]
    for prefix in ("api.", "login.", "apps."):
        if v.startswith(prefix):
            v = v[len(prefix) :]
    for k, domain in REGIONS.items():
        if v == domain:
            return k, domain
    raise RegionError(f"unknown region {value!r}; known: {', '.join(REGIONS)} (or their domains)")


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def hosts_for(region: str, base_url: str = "", allow_custom_host: bool = False) -> Hosts:
    """Hosts for a region, or for a custom base URL (loopback only unless explicitly allowed)."""
    if base_url:
        base = base_url.rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RegionError(f"base URL {base_url!r} must look like http(s)://host[:port]")
        if parts.path:
            raise RegionError(f"base URL {base_url!r} must not contain a path")
        if not is_loopback_url(base) and not allow_custom_host:
            raise CustomHostRefused(
                f"refusing custom base URL {base_url!r}: only loopback addresses (the emulator) are "
                "accepted, because credentials would be sent there. Pass --allow-custom-host to override."
            )
        if parts.scheme == "http" and not is_loopback_url(base):
            raise CustomHostRefused(
                f"refusing {base_url!r}: plain http is only allowed on loopback"
            )
        login = base.replace("//api.", "//login.", 1) if parts.netloc.startswith("api.") else base
        return Hosts("custom", base, login)
    key, domain = resolve_region(region)
    return Hosts(key, f"https://api.{domain}", f"https://login.{domain}")
