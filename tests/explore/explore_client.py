"""HTTP and PNG helpers for the explorer's tests."""

from __future__ import annotations

import http.client
import json

import numpy as np

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


def png_pixels(url: str) -> np.ndarray:
    """The pixels ``(C, H, W)`` uint8 of a ``data:image/png`` URL."""
    import base64
    import io

    from PIL import Image

    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    return picture[None] if picture.ndim == 2 else picture.transpose(2, 0, 1)
