"""Schemathesis over /api/v1 as a real organization's admin: generated requests with the
organization id fixed to one that exists, so they reach the services (bounded examples).
No 5xx, and every response matches the schema."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.clinic import Org, make_org
from tests.api.conftest import Api
from tests.api.test_schema import OPERATIONS

MAX_EXAMPLES = 8
CLINIC = [(m, p) for m, p in OPERATIONS if p.startswith("/api/v1/organizations/{")]


@pytest.fixture(scope="module")
def clinic_api(start_api: Callable[..., Api]) -> tuple[Api, Org]:
    api = start_api()
    return api, make_org(api)


@pytest.fixture(scope="module")
def clinic_schema(clinic_api: tuple[Api, Org]) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{clinic_api[0].base}/openapi.json")


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("method,path", CLINIC, ids=[f"{m} {p}" for m, p in CLINIC])
def test_clinic_operations_conform(clinic_schema: schemathesis.BaseSchema,
                                   clinic_api: tuple[Api, Org], method: str, path: str,
                                   mode: schemathesis.GenerationMode) -> None:
    _, org = clinic_api
    operation = clinic_schema[path][method]
    headers = {"Authorization": f"Bearer {org.token}"}
    excluded = [schemathesis.checks.positive_data_acceptance]
    if mode is schemathesis.GenerationMode.NEGATIVE:
        excluded.append(schemathesis.checks.negative_data_rejection)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        case.path_parameters = {**(case.path_parameters or {}), "organizationId": org.id}
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        assert response.status_code < 500

    check()
