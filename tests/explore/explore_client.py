"""The HTTP helper of the explorer's tests."""

from __future__ import annotations

import http.client
import json

RUNS = ("pca", "ae", "vae", "gan", "dae", "conv")


def request(srv, method: str, path: str, body=None, *, raw: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """One HTTP request to ``srv``; the status and the JSON answer."""
    host, port = srv.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=60)
    payload = raw if raw is not None else None if body is None else json.dumps(body).encode()
    connection.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    return response.status, answer
