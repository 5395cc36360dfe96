"""GET/HEAD of every path outside /api and /schema: the built PWA's files, or its index.html.

A file under the client directory is served as it is, or as the brotli or gzip copy the build
made beside it (`x.js.br`, `x.js.gz`, see client/vite.config.ts) when the request's
Accept-Encoding takes that coding (q-values honoured, br preferred on a tie); a missing copy
falls back to the file itself. Every file answer carries `Vary: Accept-Encoding`. Ranges are
not served (the whole file, 200, like before). A path that names no file but looks
like an app route (no extension, e.g. /plan/abc) gets index.html, so a reload of any screen
works; anything else is 404. Paths are resolved and must stay inside the client directory.
The WebSocket handler (sync/handler.py) accepts upgrades on the same paths: Litestar keeps
HTTP and WebSocket handlers of one path side by side.
"""

from pathlib import Path, PurePosixPath
from typing import Any

from litestar import Request, Response, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.exceptions import NotFoundException
from litestar.response import File

from server.settings import Settings

INDEX = "index.html"
_NOT_ROUTES = ("/api", "/schema")  # the API's own misses stay the API's JSON 404
_NO_CACHE = frozenset({INDEX, "sw.js", "manifest.webmanifest"})
_IMMUTABLE = "public, max-age=31536000, immutable"
_MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
NOT_BUILT = (
    "The app is not built yet. Build it with `npm ci && npm run build` in client/ "
    "(scripts/run does this), or point --client-dir at a built copy.\n"
)


def _inside(root: Path, url_path: str) -> Path | None:
    """The path `url_path` names under `root`; None if it would leave `root`."""
    try:
        candidate = (root / url_path.lstrip("/")).resolve()
    except (OSError, ValueError):  # NUL bytes, symlink loops
        return None
    return candidate if candidate.is_relative_to(root) else None


# The codings the build precompresses, in the server's order of preference, with their suffix.
_CODINGS = (("br", ".br"), ("gzip", ".gz"))


def accepted_codings(accept_encoding: str | None) -> list[str]:
    """The precompressed codings `accept_encoding` takes, best first (RFC 9110, 12.5.3).

    A coding is taken when its own q-value, or failing that `*`'s, is above zero; the higher
    q wins and the server's order (br, then gzip) breaks ties. A malformed entry is skipped.
    """
    if not accept_encoding:
        return []
    weights: dict[str, float] = {}
    for entry in accept_encoding.split(","):
        name, *params = (part.strip() for part in entry.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
                if not 0.0 <= q <= 1.0:
                    q = -1.0  # not a q-value: the entry is ignored
        if name and q >= 0.0:
            weights[name.lower()] = q
    ranked = []
    for order, (coding, _suffix) in enumerate(_CODINGS):
        q = weights.get(coding, weights.get("*", 0.0))
        if q > 0.0:
            ranked.append((-q, order, coding))
    return [coding for _q, _order, coding in sorted(ranked)]


def _variant(path: Path, accept_encoding: str | None) -> tuple[Path, str | None]:
    """The file to send for `path`: its best precompressed copy, or itself (no coding)."""
    suffixes = dict(_CODINGS)
    for coding in accepted_codings(accept_encoding):
        copy = path.with_name(path.name + suffixes[coding])
        # The copy must be a plain file in the same directory (never a link out of it).
        if copy.is_file() and not copy.is_symlink():
            return copy, coding
    return path, None


def _file(path: Path, url_path: str, accept_encoding: str | None) -> File:
    cache = _IMMUTABLE if url_path.startswith("/assets/") else "no-cache"
    if path.name in _NO_CACHE:
        cache = "no-cache"
    sent, coding = _variant(path, accept_encoding)
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding", **SECURITY_HEADERS}
    if coding is not None:
        headers["Content-Encoding"] = coding
    return File(
        sent,
        filename=path.name,
        content_disposition_type="inline",
        media_type=_MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
        headers=headers,
    )


def _plain(status: int, text: str) -> Response[str]:
    return Response(
        text,
        status_code=status,
        media_type="text/plain",
        headers={"Cache-Control": "no-store", **SECURITY_HEADERS},
    )


def client_response(
    client_dir: Path, url_path: str, accept_encoding: str | None = None
) -> Response[Any]:
    """The response to GET `url_path` (already percent-decoded) from a built client."""
    root = client_dir.resolve()
    target = _inside(root, url_path)
    if target is None:
        return _plain(404, "not found\n")
    if target.is_file():
        return _file(target, url_path, accept_encoding)
    if PurePosixPath(url_path).suffix:
        return _plain(404, "not found\n")
    index = root / INDEX
    if not index.is_file():
        return _plain(503, NOT_BUILT)
    return _file(index, "/" + INDEX, accept_encoding)


@route(
    ["/", "/sync", "/{path:path}"],
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    include_in_schema=False,
    sync_to_thread=False,
    name="client",
)
def client_app(
    request: Request[Any, Any, Any], settings: NamedDependency[Settings]
) -> Response[Any]:
    url_path: str = request.scope["path"]
    if any(url_path == p or url_path.startswith(p + "/") for p in _NOT_ROUTES):
        raise NotFoundException
    return client_response(settings.client_dir, url_path, request.headers.get("accept-encoding"))
