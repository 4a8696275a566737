"""``genzoo explore``: an interactive page to walk trained models' latent spaces and a toy-GAN lab, served locally."""

from __future__ import annotations

import os
import sys
import webbrowser

from ..errors import ConfigError
from .lab import ToyLab
from .server import Explorer, ExploreServer
from .views import RunView, as_uint8, run_name

__all__ = ["ExploreServer", "Explorer", "RunView", "ToyLab", "as_uint8", "make_server", "serve"]


def make_server(runs: list[str | os.PathLike], host: str = "127.0.0.1", port: int = 8765, data_dir: str | None = None,
                projection: str = "pca", verbose: bool = False) -> ExploreServer:
    """A server on the run folders ``runs`` (each loaded once, its test split encoded once), not yet serving."""
    views: list[RunView] = []
    for run in runs:
        views.append(RunView(run, run_name(run, {v.name for v in views}), data_dir, projection))
    try:
        return ExploreServer(Explorer(views), host, port, verbose)
    except OSError as e:
        raise ConfigError(f"cannot serve on {host}:{port} ({e.strerror}); choose another port with --port "
                          "(--port 0 picks a free one)") from None


def serve(runs: list[str | os.PathLike], host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          data_dir: str | None = None, projection: str = "pca", verbose: bool = False) -> None:
    """Serve the page until interrupted (Ctrl-C)."""
    server = make_server(runs, host, port, data_dir, projection, verbose)
    print(f"genzoo explore: {len(runs)} run(s) and the toy lab at {server.url}  (Ctrl-C stops)", file=sys.stderr)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
