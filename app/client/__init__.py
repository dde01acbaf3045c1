"""The Python SDK for both loopback APIs (insight at /v1 and /ws, clinic at /api/v1)."""

from app.client.client import AsyncHealthInsightClient, HealthInsightClient
from app.client.errors import ClientError, StreamError
from app.client.stream import QueryEvent

__all__ = ["AsyncHealthInsightClient", "ClientError", "HealthInsightClient", "QueryEvent",
           "StreamError"]
