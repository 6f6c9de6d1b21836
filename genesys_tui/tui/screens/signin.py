"""Sign-in for a profile without credentials: region, client id, secret (masked); verified by
requesting a token, then stored in the OS keyring. Without a keyring, says so and how to fix it."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from genesys_tui.context import Target, build_client
from genesys_tui.core import credentials as creds
from genesys_tui.core.errors import user_message
from genesys_tui.genesys.regions import REGIONS, hosts_for
from genesys_tui.tui.screens.base import AppScreen
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.header import AppHeader


class SignInScreen(AppScreen):
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="app.quit")]

    def __init__(self, target: Target, reason: str = "") -> None:
        super().__init__()
        self.target, self.reason = target, reason

    def compose(self) -> ComposeResult:
        yield AppHeader()
        p = self.target.profile
        regions = [(f"{k}  ({d})", k) for k, d in REGIONS.items()]
        try:
            creds.usable_backend(self.target.allow_plaintext)
            keyring_ok, keyring_msg = (
                True,
                f"The secret will be kept in {creds.describe_backend()}.",
            )
        except creds.KeyringUnavailable as e:
            keyring_ok, keyring_msg = False, str(e)
        with Vertical(id="form"):
            yield Label(f"Sign in: profile {p.name or 'default'}", classes="title")
            if self.reason:
                yield Static(self.reason, classes="hint")
            if self.target.hosts.is_custom:
                yield Static(f"Custom host: {self.target.hosts.api_base}", classes="hint")
            else:
                yield Label("Region")
                yield Select(regions, value=self.target.hosts.name, allow_blank=False, id="region")
            yield Label("OAuth client id (client credentials grant)")
            yield Input(
                value=p.client_id,
                placeholder="00000000-0000-0000-0000-000000000000",
                id="client-id",
            )
            yield Label("Client secret")
            yield Input(password=True, placeholder="hidden as you type", id="secret")
            yield Checkbox(
                "Remember the secret in the OS keyring",
                value=keyring_ok,
                disabled=not keyring_ok,
                id="remember",
            )
            yield Static(keyring_msg, classes="hint")
            yield Static("", id="status")
            with Horizontal(classes="buttons"):
                yield Button("Verify and sign in", id="verify", variant="primary")
                yield Button("Quit", id="quit")
        yield AppFooter()

    def on_mount(self) -> None:
        field = "#client-id" if not self.target.profile.client_id else "#secret"
        self.query_one(field, Input).focus()

    @on(Button.Pressed, "#quit")
    def quit(self) -> None:
        self.gapp.exit()

    @on(Input.Submitted)
    @on(Button.Pressed, "#verify")
    def submit(self) -> None:
        client_id = self.query_one("#client-id", Input).value.strip()
        secret = self.query_one("#secret", Input).value.strip()
        status = self.query_one("#status", Static)
        if not client_id or not secret:
            status.set_class(True, "error")
            status.update("Enter the client id and the secret.")
            return
        status.set_class(False, "error")
        status.update("Requesting a token…")
        self.verify(client_id, secret)

    @work(exclusive=True, exit_on_error=False)
    async def verify(self, client_id: str, secret: str) -> None:
        status = self.query_one("#status", Static)
        target = self.target
        if not target.hosts.is_custom:
            region = str(self.query_one("#region", Select).value)
            target = Target(
                target.profile, hosts_for(region), target.allow_plaintext, target.readonly
            )
        client = build_client(target, client_id, secret)
        try:
            await client.directory.token_info()
            if self.query_one("#remember", Checkbox).value:
                creds.store_secret(
                    creds.CLIENT_SECRET,
                    target.hosts.login_host,
                    client_id,
                    secret,
                    allow_plaintext=target.allow_plaintext,
                )
        except Exception as e:  # noqa: BLE001 - shown to the user, the app keeps running
            await client.aclose()
            status.set_class(True, "error")
            status.update(user_message(e) or f"{type(e).__name__}: {e}")
            return
        self.query_one("#secret", Input).value = ""
        await self.gapp.signed_in(client, target)
        self.dismiss()
