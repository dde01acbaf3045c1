"""The path and query parameters the clinic routes share, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

ItemId = Annotated[str, Path(min_length=1, max_length=100)]
Page = Annotated[int, Query(ge=1, le=100_000, description="page number, from 1")]
Limit = Annotated[int, Query(ge=1, le=100, description="results per page")]
Search = Annotated[str | None, Query(min_length=1, max_length=200)]
Filter = Annotated[str | None, Query(min_length=1, max_length=100)]
