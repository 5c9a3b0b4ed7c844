"""Schemathesis drives the API from its own OpenAPI schema, in process through the WSGI
application, with generated valid and invalid parameters: no answer is a server error, and
every answer conforms to the schema (status code, content type, body, headers).

Bounded: ``MAX_EXAMPLES`` cases per operation and mode. The operations are fuzzed with
Schemathesis's Hypothesis strategies (``APIOperation.as_strategy``) under ``@given``:
``schemathesis.pytest.from_fixture`` (4.32.5) reads ``Node._nodeid``, which pytest 9.2 no
longer has, and a schema loaded at import would query the database outside a test.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from icmd.wsgi import application
from tests.projects.open_data import build_catalogue

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
OPERATIONS = [
    f"GET /api/v1/{name}/{lookup}"
    for name, key in [
        ("projects", "slug"),
        ("organisations", "slug"),
        ("countries", "code"),
        ("themes", "slug"),
        ("phases", "slug"),
        ("resources", "slug"),
        ("events", "slug"),
    ]
    for lookup in ["", f"{{{key}}}/"]
]


@pytest.fixture
def in_process(tmp_path):
    """Requests through the WSGI application within the test's transaction, as Django's test
    client makes them: the handler would otherwise close the connection after each request
    (it is not in autocommit mode), ending the transaction. Hypothesis keeps its files in
    a temporary folder, not in the project."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    set_hypothesis_home_dir(tmp_path / "hypothesis")
    yield
    set_hypothesis_home_dir(None)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, settings, in_process):
    """The schema as the site serves it, over a small catalogue, without throttling."""
    build_catalogue()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute"},
    }
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


def test_every_operation_is_fuzzed(api_schema):
    assert sorted(result.ok().label for result in api_schema.get_all_operations()) == sorted(
        OPERATIONS
    )


CASES = [(label, GenerationMode.POSITIVE) for label in OPERATIONS] + [
    # Invalid query parameters; a path parameter has no invalid value that can be sent.
    (label, GenerationMode.NEGATIVE)
    for label in OPERATIONS
    if not label.endswith("}/")
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_api_answers_as_its_schema_says(api_schema, label, mode):
    operation = api_schema.find_operation_by_label(label)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def answers_as_documented(case):
        case.call_and_validate(checks=CHECKS)

    answers_as_documented()
