"""Every API response the suite receives, checked against the published schema (openapi-core),
as an integrator's strict client would: a response the schema does not describe fails the test
that received it. Installed by tests/conftest.py."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.test import Client
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

SKIP = ("/api/v1/schema/", "/api/docs/")


@cache
def published() -> OpenAPI:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    # As a client reads it: plain JSON (lazy translations and enums become strings).
    plain = json.loads(json.dumps(schema, default=str))
    return OpenAPI.from_dict(plain)


class FileAnswer:
    """A file the API answered (an export), as openapi-core reads a response: its status, its
    media type and headers checked against the schema; its body, a `format: binary` string
    there, given as text (openapi-core types the bytes of an unknown media type as bytes)."""

    def __init__(self, body: bytes, response: Any) -> None:
        self.data = body.decode("latin-1")
        self.status_code = response.status_code
        self.content_type = response["Content-Type"]
        self.headers = dict(response.items())


def check(response: Any) -> None:
    request = getattr(response, "wsgi_request", None)
    if request is None or not request.path.startswith("/api/v1/") or request.path in SKIP:
        return
    answer: Any
    body = b""
    if response.streaming:  # an export: read it whole, and leave it readable for the test
        body = b"".join(response.streaming_content)
        response.streaming_content = [body]
        answer = FileAnswer(body, response)
    else:
        answer = DjangoOpenAPIResponse(response)
    try:
        published().validate_response(DjangoOpenAPIRequest(request), answer)
    except (PathNotFound, OperationNotFound):
        return  # no such operation (a 404 or a 405): nothing the schema could promise
    except Exception as error:
        details = getattr(error, "__cause__", None) or error
        raise AssertionError(
            f"{request.method} {request.get_full_path()} answered {response.status_code}, "
            f"which the published schema does not describe: {error}: {details}\n"
            f"{(body if response.streaming else response.content)[:500]!r}"
        ) from error


def install() -> None:
    original = Client.request

    def request(self: Client, **kwargs: Any) -> Any:
        response = original(self, **kwargs)
        check(response)
        return response

    Client.request = request  # type: ignore[method-assign]
