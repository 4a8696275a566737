"""Where dataset files are found, and how they are downloaded (checksummed, atomic) when they are not."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from ..errors import DatasetError


@dataclass(frozen=True)
class RemoteFile:
    name: str
    sha256: str  # of the official download; copies found on disk are checked for IDX structure instead


@dataclass(frozen=True)
class Source:
    """A dataset published as files: their names and checksums, the official mirrors, known local folders."""

    name: str
    files: dict[str, RemoteFile]  # role ("train-images", ...) -> file
    mirrors: tuple[str, ...]
    system_dirs: tuple[str, ...] = ()
    description: str = ""


def _idx_files(*sha256: str) -> dict[str, RemoteFile]:
    roles = ("train-images", "train-labels", "test-images", "test-labels")
    names = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    return {role: RemoteFile(name, digest) for role, name, digest in zip(roles, names, sha256)}


SOURCES: dict[str, Source] = {
    "mnist": Source(
        "mnist",
        _idx_files(
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        description="handwritten digits, LeCun, Cortes & Burges (CC BY-SA 3.0)",
    ),
    "fashion-mnist": Source(
        "fashion-mnist",
        _idx_files(
            "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
            "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
            "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
            "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
        ),
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        system_dirs=("/usr/share/datasets/fashion-mnist",),  # Debian's dataset-fashion-mnist
        description="Zalando article images, Xiao, Rasul & Vollgraf 2017 (MIT)",
    ),
}


def cache_dir() -> Path:
    """genzoo's download cache: ``$XDG_CACHE_HOME/genzoo``, by default ``~/.cache/genzoo``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "genzoo"


def search_dirs(source: Source, root: str | os.PathLike | None = None) -> list[Path]:
    """Folders looked in, in order: ``root``, ``$GENZOO_DATA``, the cache, the system folders.

    For ``root`` and ``$GENZOO_DATA`` both ``DIR/<dataset>/`` and ``DIR/`` itself are tried.
    """
    dirs: list[Path] = []
    for base in (root, os.environ.get("GENZOO_DATA")):
        if base:
            dirs += [Path(base) / source.name, Path(base)]
    dirs.append(cache_dir() / source.name)
    dirs += [Path(d) for d in source.system_dirs]
    return dirs


def _present(directory: Path, file: RemoteFile) -> Path | None:
    for candidate in (directory / file.name, directory / file.name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def locate(source: Source, roles: list[str], root: str | os.PathLike | None = None) -> dict[str, Path] | None:
    """The first searched folder holding every file of ``roles`` (gzip or raw), or None."""
    for directory in search_dirs(source, root):
        found = {role: _present(directory, source.files[role]) for role in roles}
        if all(found.values()):
            return found  # type: ignore[return-value]
    return None


def offline() -> bool:
    return os.environ.get("GENZOO_OFFLINE", "") not in ("", "0")


def fetch(source: Source, roles: list[str], root: str | os.PathLike | None = None,
          download: bool = True, quiet: bool = False) -> dict[str, Path]:
    """Paths of the files of ``roles``: found locally, else downloaded into the cache, else a clear error."""
    found = locate(source, roles, root)
    if found is not None:
        return found
    target = cache_dir() / source.name
    if download and not offline():
        errors: list[str] = []
        paths: dict[str, Path] = {}
        for role in roles:
            file = source.files[role]
            for mirror in source.mirrors:
                try:
                    paths[role] = download_file(mirror + file.name, target / file.name, file.sha256, quiet=quiet)
                    break
                except DatasetError as e:
                    errors.append(str(e))
            else:
                break
        if len(paths) == len(roles):
            return paths
        reason = "; ".join(errors[-len(source.mirrors):])
    else:
        reason = "downloads are off (GENZOO_OFFLINE is set)" if offline() else "download=False"
    looked = ", ".join(str(d) for d in search_dirs(source, root))
    names = " ".join(source.files[r].name for r in roles)
    raise DatasetError(
        f"dataset {source.name!r} not found and not downloaded ({reason}). Put {names} in one of: {looked} "
        f"(or pass --data-dir / set GENZOO_DATA)"
    )


def download_file(url: str, dest: Path, sha256: str, *, quiet: bool = False, timeout: float = 30.0) -> Path:
    """Download ``url`` to ``dest`` through a temporary file, check its SHA-256, then rename it into place.

    On any failure nothing is left at ``dest`` and :class:`DatasetError` says what went wrong.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, disable=quiet, leave=False) as bar:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise DatasetError(f"{url}: SHA-256 {digest.hexdigest()} does not match the expected {sha256}; not saved")
        os.replace(tmp, dest)
        return dest
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        raise DatasetError(f"{url}: download failed ({e})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
