"""GenesysClient: one object holding the HTTP pool, the token provider and every API area."""

from __future__ import annotations

import httpx

from genesys_tui.genesys.analytics import Analytics
from genesys_tui.genesys.analytics_jobs import DetailsJobs
from genesys_tui.genesys.annotations import Annotations
from genesys_tui.genesys.auth import ClientCredentialsAuth, TokenProvider
from genesys_tui.genesys.conversations import Conversations
from genesys_tui.genesys.directory import Directory
from genesys_tui.genesys.http import ApiClient, RetryPolicy, new_http_client
from genesys_tui.genesys.notifications import Notifications
from genesys_tui.genesys.quality import Quality
from genesys_tui.genesys.ratelimit import RateLimiter
from genesys_tui.genesys.recordings import Recordings
from genesys_tui.genesys.regions import Hosts
from genesys_tui.genesys.transcripts import Transcripts


class GenesysClient:
    def __init__(
        self,
        hosts: Hosts,
        auth: TokenProvider,
        *,
        http: httpx.AsyncClient,
        rate_limit_per_minute: int = 300,
        retry: RetryPolicy | None = None,
    ):
        self.hosts = hosts
        self.auth = auth
        self.http = http
        self.api = ApiClient(
            hosts,
            auth,
            http=http,
            limiter=RateLimiter(rate_limit_per_minute),
            retry=retry or RetryPolicy(),
        )
        self.analytics = Analytics(self.api)
        self.details_jobs = DetailsJobs(self.api)
        self.annotations = Annotations(self.api)
        self.notifications = Notifications(self.api)  # one channel for the process
        self.conversations = Conversations(self.api)
        self.recordings = Recordings(self.api)
        self.transcripts = Transcripts(self.api)
        self.directory = Directory(self.api)
        self.quality = Quality(self.api)

    @classmethod
    def with_client_credentials(
        cls,
        hosts: Hosts,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 30.0,
        rate_limit_per_minute: int = 300,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> GenesysClient:
        http = new_http_client(timeout, transport)
        auth = ClientCredentialsAuth(hosts, client_id, client_secret, http=http)
        return cls(hosts, auth, http=http, rate_limit_per_minute=rate_limit_per_minute, retry=retry)

    async def aclose(self) -> None:
        await self.notifications.aclose()
        await self.http.aclose()

    async def __aenter__(self) -> GenesysClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
