"""Genesys Cloud Platform API v2 client (httpx, asyncio). Never imports textual."""
