"""``genzoo explore``'s web server: the standard library's threading HTTP server, one page of plain HTML/JS, and a
JSON API over the runs named on the command line (by position, never by path) and the toy labs the page opens.

Safe by default: it binds to 127.0.0.1, answers only requests whose Host is the address it serves (no DNS
rebinding), reads at most ``MAX_BODY`` bytes of a request, and checks every number it is sent (length, NaN,
range) before a model sees it; a bad request gets a 4xx with a sentence naming the problem.
"""

from __future__ import annotations

import json
import math
import secrets
import sys
import threading
from collections import OrderedDict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from ..data.corrupt import NOISES
from ..data.toy import TOY_NAMES
from ..errors import GenzooError
from .lab import MODELS as LAB_MODELS
from .lab import ToyLab
from .views import RunView

MAX_BODY = 256 * 1024  # bytes of a request body
MAX_LABS = 8  # toy labs kept (one per tab); the least recently used goes first
MAX_CODE = 1e4  # |z| allowed in a latent vector
STATIC = {"/": ("index.html", "text/html; charset=utf-8"), "/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/style.css": ("style.css", "text/css; charset=utf-8")}


class BadRequest(Exception):
    """A request the API refuses, with its HTTP status and the sentence the page shows."""

    def __init__(self, message: str, status: int = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


# -- checking what the page sends ----------------------------------------------------------------
def need_int(body: dict, key: str, low: int, high: int, default: int | None = None) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"{key} must be a whole number from {low} to {high}; got {value!r}")
    return value


def need_float(body: dict, key: str, low: float, high: float, default: float | None = None) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise BadRequest(f"{key} must be a number from {low} to {high}; got {value!r}")
    return float(value)


def need_choice(body: dict, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
    value = body.get(key, default)
    if value not in choices:
        raise BadRequest(f"{key} must be one of {', '.join(choices)}; got {value!r}")
    return value


def need_vector(body: dict, key: str, length: int, low: float = -MAX_CODE, high: float = MAX_CODE) -> np.ndarray:
    """A list of ``length`` finite numbers in [low, high], as float32."""
    value = body.get(key)
    if not isinstance(value, list) or len(value) != length:
        got = f"{len(value)} numbers" if isinstance(value, list) else repr(value)[:40]
        raise BadRequest(f"{key} must be a list of {length} numbers; got {got}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise BadRequest(f"{key} must hold numbers only")
    if not all(math.isfinite(v) for v in value):
        raise BadRequest(f"{key} holds NaN or infinity; send finite numbers")
    array = np.asarray(value, np.float32)
    if array.min(initial=low) < low or array.max(initial=high) > high:
        raise BadRequest(f"{key} must lie in [{low:g}, {high:g}]")
    return array


# -- the application -------------------------------------------------------------------------------
class Explorer:
    """What the server answers from: the runs (by position) and the toy labs (by id). ``answer`` is the whole API,
    free of HTTP, so every route is one line of a table."""

    def __init__(self, views: list[RunView]) -> None:
        self.views = views
        self.labs: OrderedDict[str, ToyLab] = OrderedDict()
        self.labs_lock = threading.Lock()
        self.static = {route: (resources.files(__package__).joinpath("static", name).read_bytes(), kind)
                       for route, (name, kind) in STATIC.items()}

    def answer(self, method: str, path: str, query: dict[str, str], body: dict[str, Any]) -> Any:
        parts = [p for p in path.split("/") if p]
        if parts == ["api", "runs"] and method == "GET":
            return {"runs": [view.info() for view in self.views], "lab": {"data": list(TOY_NAMES),
                                                                           "models": list(LAB_MODELS)}}
        if parts[:2] == ["api", "runs"] and len(parts) == 4:
            return self._run_route(self._view(parts[2]), parts[3], method, query, body)
        if parts == ["api", "lab"] and method == "POST":
            return self._new_lab(body)
        if parts[:2] == ["api", "lab"] and len(parts) == 4 and parts[3] == "step" and method == "POST":
            return self._step_lab(parts[2], body)
        raise BadRequest(f"no such API route: {method} {path}", HTTPStatus.NOT_FOUND)

    def _view(self, key: str) -> RunView:
        if not key.isdigit() or int(key) >= len(self.views):
            raise BadRequest(f"no run {key!r}: the runs are 0 to {len(self.views) - 1}, in the order given to "
                             "genzoo explore", HTTPStatus.NOT_FOUND)
        return self.views[int(key)]

    def _run_route(self, view: RunView, route: str, method: str, query: dict[str, str], body: dict) -> Any:
        views = view.views()
        needs = {"points": "map", "item": "map", "decode": "sliders", "decode-at": "map", "interpolate": "interpolation",
                 "neighbours": "neighbours", "encode": "draw", "denoise": "denoise", "samples": "samples",
                 "walk": "walk"}
        if route not in needs or (method == "GET") != (route in ("points", "item")):
            raise BadRequest(f"no such API route: {method} /api/runs/…/{route}", HTTPStatus.NOT_FOUND)
        if needs[route] not in views:
            raise BadRequest(f"{view.name} holds a {type(view.estimator).__name__}, which has no {needs[route]} view "
                             f"(its views: {', '.join(views) or 'none'})", HTTPStatus.UNPROCESSABLE_ENTITY)
        last = len(view.x) - 1
        if route == "points":
            return view.points()
        if route == "item":
            try:
                return view.item(need_int({"i": int(query.get("i", ""))}, "i", 0, last))
            except ValueError:
                raise BadRequest(f"i must be a whole number from 0 to {last}; got {query.get('i')!r}") from None
        if route == "decode":
            return view.decode_code(need_vector(body, "z", view.code_size))
        if route == "decode-at":
            return view.decode_at(need_vector(body, "xy", 2))
        if route == "interpolate":
            return {"frames": view.interpolate(need_int(body, "a", 0, last), need_int(body, "b", 0, last),
                                               need_int(body, "frames", 2, 32, 10), bool(body.get("spherical")))}
        if route == "neighbours":
            return view.neighbours_of(need_int(body, "i", 0, last), need_int(body, "k", 1, 32, 8))
        if route == "encode":
            _, h, w = view.input_shape
            return view.encode_drawing(need_vector(body, "pixels", h * w, 0.0, 1.0), need_int(body, "k", 1, 32, 6))
        if route == "denoise":
            noise = need_choice(body, "noise", NOISES)
            level = need_float(body, "level", 0.0, 2.0 if noise == "gaussian" else 1.0)
            return view.denoise(need_int(body, "i", 0, last), noise, level, need_int(body, "seed", 0, 2**31 - 1, 0))
        if route == "samples":
            label = body.get("label")
            if label is not None and (not view.conditional or label not in view.classes):
                raise BadRequest(f"label {label!r}: " + (f"use one of {view.classes}" if view.conditional else
                                                         f"{view.name} is not a conditional model"))
            return view.samples(need_int(body, "n", 1, 64, 16), need_int(body, "seed", 0, 2**31 - 1, 0), label)
        return {"frames": view.walk(need_int(body, "seed_a", 0, 2**31 - 1), need_int(body, "seed_b", 0, 2**31 - 1),
                                    need_int(body, "frames", 2, 32, 10))}

    def _new_lab(self, body: dict) -> dict[str, Any]:
        lab = ToyLab(need_choice(body, "data", TOY_NAMES, "ring8"), need_choice(body, "model", LAB_MODELS, "gan"),
                     body.get("g_loss", "non-saturating"), body.get("d_steps", 1),
                     need_int(body, "seed", 0, 2**31 - 1, 0))
        key = secrets.token_hex(8)
        with self.labs_lock:
            self.labs[key] = lab
            while len(self.labs) > MAX_LABS:
                self.labs.popitem(last=False)
        return {"id": key, **lab.state(bool(body.get("arrows")))}

    def _step_lab(self, key: str, body: dict) -> dict[str, Any]:
        with self.labs_lock:
            lab = self.labs.get(key)
            if lab is None:
                raise BadRequest(f"no lab {key!r} (the server keeps the {MAX_LABS} last used); open a new one",
                                 HTTPStatus.NOT_FOUND)
            self.labs.move_to_end(key)
        with lab.lock:
            lab.configure(body.get("g_loss", lab.g_loss), body.get("d_steps", lab.d_steps))
            lab.step(need_int(body, "steps", 0, 500, 1))
            return {"id": key, **lab.state(bool(body.get("arrows")))}


# -- HTTP ------------------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    """One request: static files by fixed name, the API through ``Explorer.answer``."""

    server: ExploreServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart (Nagle × delayed ACK)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        try:
            self._check_host()
            url = urlsplit(self.path)
            if method == "GET" and url.path in self.server.explorer.static:
                self._send(HTTPStatus.OK, *self.server.explorer.static[url.path])
                return
            body = self._body() if method == "POST" else {}
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            result = self.server.explorer.answer(method, url.path, query, body)
            self._send(HTTPStatus.OK, json.dumps(result).encode(), "application/json")
        except BadRequest as e:
            self._error(e.status, str(e))
        except GenzooError as e:  # a model's own check of what it was given
            self._error(HTTPStatus.BAD_REQUEST, str(e))
        except Exception as e:  # the server keeps answering; the page and the terminal say what failed
            print(f"genzoo explore: {method} {self.path}: {type(e).__name__}: {e}", file=sys.stderr)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(e).__name__}: {e}")

    def _check_host(self) -> None:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        if self.server.allowed_hosts is not None and host not in self.server.allowed_hosts:
            raise BadRequest(f"Host {host!r} is not this server's address; open {self.server.url}",
                             HTTPStatus.MISDIRECTED_REQUEST)

    def _body(self) -> dict[str, Any]:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise BadRequest("send a Content-Length header with the JSON body", HTTPStatus.LENGTH_REQUIRED) from None
        if length > MAX_BODY:
            self.close_connection = True  # the body is not read
            raise BadRequest(f"the request body is {length} bytes; the limit is {MAX_BODY}",
                             HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise BadRequest(f"the body is not JSON: {e}") from None
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        return body

    def _error(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(), "application/json")

    def _send(self, status: int, payload: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class ExploreServer(ThreadingHTTPServer):
    """The threading HTTP server holding the :class:`Explorer`; ``port=0`` picks a free port."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, explorer: Explorer, host: str = "127.0.0.1", port: int = 8765, verbose: bool = False) -> None:
        super().__init__((host, port), Handler)
        self.explorer, self.verbose = explorer, verbose
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self.url = f"http://{shown}:{self.server_address[1]}/"
        public = host in ("", "0.0.0.0", "::")  # the user chose to serve every address: any Host may name it
        self.allowed_hosts = None if public else {"localhost", "127.0.0.1", "::1", host.lower()}
