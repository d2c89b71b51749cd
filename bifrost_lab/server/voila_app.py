"""Voila as `bifrost-lab serve` runs it: compressed responses and versioned assets cached for good.

    python -m bifrost_lab.server.voila_app NOTEBOOK [voila options]     (what `serve` starts)

A phone in a full hall shares the venue's link with everybody else, so the page must be small on
the wire and a rejoin (reload, or the phone waking up) must not fetch or re-validate it again:

* **Versioned assets** (our template's files, linked with `?v=<hash of the content>`) are sent
  gzip-compressed from a cache of precompressed files (level 9, made once per content and shared
  by all servers, see `precompressed`) and marked `Cache-Control: public, max-age=31536000,
  immutable`: a browser keeps them and never asks again. A new version has a new URL.
* **Everything else that is text** (the notebook page itself, Voila's other files) is compressed
  on the fly by tornado's gzip transform when the browser accepts gzip. A response that already
  has a Content-Encoding is left alone, and nginx does not compress again (docs/deploy.md).

Voila builds its tornado application in `Voila.start`; this subclass adds the transform and
swaps the template-file handler when Voila asks for its handlers. Everything else is Voila's.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from pathlib import Path

from tornado.web import GZipContentEncoding
from voila.app import Voila
from voila.static_file_handler import TemplateStaticFileHandler

COMPRESSIBLE = {".js", ".css", ".json", ".svg", ".html", ".map", ".txt", ".ttf", ".eot"}
IMMUTABLE = "public, max-age=31536000, immutable"


class Precompressed:
    """gzip copies of static files, named after their content's hash, in a cache folder.

    The same content gives the same file, so servers started together, restarted or upgraded share
    the work and never serve a stale copy. If no folder is writable, nothing is precompressed and
    tornado's transform compresses on the fly.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._known: dict[tuple[str, int, int], Path | None] = {}
        self._lock = threading.Lock()

    def folder(self) -> Path | None:
        if self._folder is None:
            candidates = [os.environ.get("BIFROST_ASSET_CACHE", "")]
            try:
                import platformdirs

                candidates.append(str(Path(platformdirs.user_cache_dir("bifrost-lab")) / "gzip"))
            except ImportError:  # pragma: no cover - platformdirs is a dependency
                pass
            candidates.append(str(Path(tempfile.gettempdir()) / f"bifrost-lab-gzip-{os.getuid()}"))
            for candidate in filter(None, candidates):
                try:
                    Path(candidate).mkdir(parents=True, exist_ok=True)
                    probe = Path(candidate) / f".probe-{os.getpid()}"
                    probe.write_bytes(b"")
                    probe.unlink()
                except OSError:
                    continue
                self._folder = Path(candidate)
                break
            else:
                self._folder = Path("/nonexistent")  # checked below: no precompression
        return self._folder if self._folder != Path("/nonexistent") else None

    def get(self, path: str) -> Path | None:
        """The gzip copy of `path` (made now if needed), or None when it is not worth it or not possible."""
        if Path(path).suffix.lower() not in COMPRESSIBLE:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key in self._known:
            return self._known[key]
        with self._lock:
            if key not in self._known:
                self._known[key] = self._make(path)
        return self._known[key]

    def _make(self, path: str) -> Path | None:
        folder = self.folder()
        if folder is None or os.path.getsize(path) < 1024:
            return None
        data = Path(path).read_bytes()
        target = folder / f"{hashlib.sha256(data).hexdigest()}.gz"
        if not target.exists():
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            if len(packed) >= len(data):
                return None
            temporary = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                temporary.write_bytes(packed)
                os.replace(temporary, target)  # atomic: another server may be writing the same file
            except OSError:
                temporary.unlink(missing_ok=True)
                return None
        return target


PRECOMPRESSED = Precompressed()


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (a `q=0` refuses it)."""
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return True
    return False


class CompressedTemplateStaticHandler(TemplateStaticFileHandler):
    """Voila's template files, gzip-compressed from the cache, immutable when the URL is versioned."""

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        path = super().validate_absolute_path(root, absolute_path)
        self._original_path = path
        if path and os.path.isfile(path) and accepts_gzip(self.request.headers.get("Accept-Encoding", "")):
            packed = PRECOMPRESSED.get(path)
            if packed is not None:
                self.set_header("Content-Encoding", "gzip")  # tornado's transform then leaves it alone
                # Size, range, ETag and body now come from the compressed copy (tornado >= 6.5 keeps
                # the stat of the validated file: it must be the copy's).
                self._stat_result = os.stat(packed)
                return str(packed)
        return path

    def get_content_type(self) -> str:
        # the type of the file asked for, not of its gzip copy (tornado sets absolute_path untyped in get())
        original, self.absolute_path = self.absolute_path, self._original_path  # type: ignore[has-type]
        try:
            return super().get_content_type()
        finally:
            self.absolute_path = original

    def set_extra_headers(self, path: str) -> None:
        super().set_extra_headers(path)
        if "v" in self.request.arguments:  # the URL names the content's hash: it never changes
            self.set_header("Cache-Control", IMMUTABLE)

    def write_error(self, status_code: int, **kwargs: object) -> None:
        self.clear_header("Content-Encoding")
        super().write_error(status_code, **kwargs)


class BifrostVoila(Voila):
    """Voila with compressed responses and immutable versioned template files."""

    def init_handlers(self) -> list:
        handlers = super().init_handlers()
        # Voila.start has just made the tornado application (its settings are applied after
        # Application.__init__, so `compress_response` there would come too late).
        app = getattr(self, "app", None)
        if app is not None and GZipContentEncoding not in app.transforms:
            app.add_transform(GZipContentEncoding)
        swapped = []
        for handler in handlers:
            if isinstance(handler, tuple) and len(handler) >= 2 and handler[1] is TemplateStaticFileHandler:
                handler = (handler[0], CompressedTemplateStaticHandler, *handler[2:])
            swapped.append(handler)
        self._warm_precompressed()
        return swapped

    def _warm_precompressed(self) -> None:
        """Compress our template's own files before the first phone asks (cached across restarts)."""
        for root in getattr(self, "static_paths", [])[:1]:
            for path in Path(root).glob("*"):
                if path.is_file():
                    PRECOMPRESSED.get(str(path))


def main() -> None:
    BifrostVoila.launch_instance()


if __name__ == "__main__":
    main()
