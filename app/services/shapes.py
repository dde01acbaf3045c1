"""The base of the insight API's frozen shapes that services return (queries,
conversations, imports), in a module of its own so that a service loads only pydantic
for it (the import command does not load the medical team's roster)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Shape(BaseModel):
    """A frozen result that may carry more fields than it names (the spec's examples are
    open, and a newer server may add fields an older client keeps)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    def wire(self) -> dict[str, Any]:
        """The JSON the API and the CLI's --json show (ISO dates, field order kept)."""
        return self.model_dump(mode="json")
