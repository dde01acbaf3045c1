"""The medical team's specialists."""

from __future__ import annotations

from pydantic import BaseModel

from app.api.schemas.common import Open


class Specialist(Open):
    id: str
    name: str
    specialty: str
    capabilities: list[str] = []
    typical_queries: list[str] = []


class SpecialistList(BaseModel):
    specialists: list[Specialist]
