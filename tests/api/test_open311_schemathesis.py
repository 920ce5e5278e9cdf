"""Property-based check of the JSON API against its own OpenAPI document (/open311/v2/openapi.json):
generated arguments and bodies, valid and invalid, never give a 5xx, an undocumented status, a
wrong content type or a body that breaks the documented schema. Bounded: a few examples per
operation and mode, so the file takes well under a minute per database.

(schemathesis' pytest fixture loader needs a pytest attribute that pytest 9 removed, so the
operations' strategies are driven with Hypothesis directly.)
"""
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25


def test_open311_json_api_conforms_to_its_openapi_document(api):
    schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", api.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    api.file()  # something to list, and requests ids to stumble on
    calls = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def conforms(case):
                if case.body is not None and isinstance(case.body, dict) and mode == GenerationMode.POSITIVE:
                    case.body["api_key"] = api.key  # valid bodies get past the key check to the rules behind it
                # WSGI calls bypass HTTP decompression: ask for the plain body.
                response = case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
                calls.append(response.status_code)
                assert response.status_code < 500

            try:
                conforms()
            except Unsatisfiable:  # nothing to make invalid (discovery takes no arguments)
                assert mode == GenerationMode.NEGATIVE
    assert len(calls) >= 9 * 2 and any(code == 200 for code in calls) and any(400 <= code < 500 for code in calls)
