"""Schemathesis against /openapi.json: generated requests to every operation (bounded
examples), on a server of its own. No 5xx, and every response matches the schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from app.api.app import create_app
from app.context import AppContext
from app.settings import Settings
from tests.api.conftest import OWNER_BUNDLE, Api

MAX_EXAMPLES = 12
# The operations, read from the app itself at collection time (no server needed).
OPERATIONS = [(method.upper(), path)
              for path, item in create_app(AppContext(Settings())).openapi()["paths"].items()
              for method in item]


@pytest.fixture(scope="module")
def fuzz_api(start_api: Callable[..., Api], testdata: Path) -> Api:
    """A server whose owner has records, so generated questions really run."""
    api = start_api()
    api.ctx.imports.run([testdata / OWNER_BUNDLE])
    return api


@pytest.fixture(scope="module")
def api_schema(fuzz_api: Api) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{fuzz_api.base}/openapi.json")


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_conforms(api_schema: schemathesis.BaseSchema, fuzz_api: Api,
                                  method: str, path: str,
                                  mode: schemathesis.GenerationMode) -> None:
    """Valid requests (positive) and invalid ones (negative): no 5xx, documented answers."""
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {fuzz_api.token('owner')}"}

    excluded = [
        # schema-valid is not always acceptable: a question about a vault with several
        # patients and none chosen is a documented 400
        schemathesis.checks.positive_data_acceptance]
    if mode is schemathesis.GenerationMode.NEGATIVE:
        # invalid requests must still get no 5xx and documented responses, but "was it
        # refused" misfires here: a multipart "number" arrives as a file holding digits,
        # and a generated extra query parameter with no value is never sent at all
        excluded.append(schemathesis.checks.negative_data_rejection)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        assert response.status_code < 500

    check()
