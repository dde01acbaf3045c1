"""The base of every clinic input and result: camelCase on the wire, snake_case in Python.

Results are frozen (they cross layers); inputs refuse unknown fields so a typo is a 400
naming the field, not a silently ignored value.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from app.services.clinic.hours import TIME_PATTERN

Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Time = Annotated[str, Field(pattern=TIME_PATTERN, description="HH:MM local time")]
Text = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
Id = Annotated[str, Field(min_length=1, max_length=100)]


class Input(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              str_strip_whitespace=True)


class Result(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def wire(self) -> dict:  # type: ignore[type-arg]
        """The JSON the documents show (camelCase, ISO dates)."""
        return self.model_dump(by_alias=True, mode="json")
