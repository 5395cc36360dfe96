"""The built PWA served from the server's own origin, next to /api and the sync socket."""

import asyncio
import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.settings import Settings
from tests.support.live_server import LiveServer, live_server
from tests.support.wire_peer import WirePeer

INDEX = "<!doctype html><title>Safety plan</title><script src=/assets/app-abc123.js></script>"
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
WASM = b"\x00asm\x01\x00\x00\x00"
# The build's precompressed copies (client/vite.config.ts). The server never decodes them,
# so the brotli copies here are marked bytes (Python has no brotli) and the gzip ones real.
SCRIPT = b"console.log('a script long enough to be worth compressing')" * 20
SCRIPT_BR = b"brotli:" + SCRIPT[:40]
SCRIPT_GZ = gzip.compress(SCRIPT)
INDEX_BR = b"brotli:index"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A fake `npm run build` output, with a secret beside it that must never be served."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX, encoding="utf-8")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})", encoding="utf-8")
    (root / "manifest.webmanifest").write_text('{"name":"Safety plan"}', encoding="utf-8")
    (root / "assets" / "app-abc123.js").write_text("console.log('app')", encoding="utf-8")
    (root / "a.wasm").write_bytes(WASM)
    (root / "a.wasm.gz").write_bytes(gzip.compress(WASM))  # no .br: br falls back to gzip
    (root / "assets" / "big-abc123.js").write_bytes(SCRIPT)
    (root / "assets" / "big-abc123.js.br").write_bytes(SCRIPT_BR)
    (root / "assets" / "big-abc123.js.gz").write_bytes(SCRIPT_GZ)
    (root / "assets" / "lone-abc123.js").write_bytes(SCRIPT)  # no copies at all
    (root / "assets" / "evil-abc123.js").write_bytes(SCRIPT)
    (root / "assets" / "evil-abc123.js.br").symlink_to(tmp_path / "x")  # a copy leading out
    (root / "index.html.br").write_bytes(INDEX_BR)
    (tmp_path / "pyproject.toml").write_text("secret = true", encoding="utf-8")
    (tmp_path / "x").write_text("secret", encoding="utf-8")
    (root / "assets" / "leak.txt").symlink_to(tmp_path / "pyproject.toml")
    return root


@pytest.fixture
async def server(tmp_path: Path, dist: Path) -> AsyncIterator[LiveServer]:
    settings = Settings(data_dir=tmp_path / "data", client_dir=dist)
    (tmp_path / "data").mkdir()
    async with live_server(settings) as running:
        yield running


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        yield client


async def raw_get(server: LiveServer, target: str, accept: str = "") -> tuple[int, bytes]:
    """GET with the request target sent exactly as given (httpx would normalise `..`)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.settings.port)
    extra = f"Accept-Encoding: {accept}\r\n" if accept else ""
    writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


async def test_the_index_and_files_are_served_with_their_types(http: httpx.AsyncClient) -> None:
    index = await http.get("/")
    worker = await http.get("/sw.js")
    manifest = await http.get("/manifest.webmanifest")
    script = await http.get("/assets/app-abc123.js")
    wasm = await http.get("/a.wasm")

    assert (index.status_code, index.text, media_type(index)) == (200, INDEX, "text/html")
    assert (worker.status_code, media_type(worker)) == (200, "text/javascript")
    assert "addEventListener" in worker.text
    assert media_type(manifest) == "application/manifest+json"
    assert (script.text, media_type(script)) == ("console.log('app')", "text/javascript")
    assert (wasm.content, media_type(wasm)) == (WASM, "application/wasm")


async def test_only_hashed_assets_are_cached_for_good(http: httpx.AsyncClient) -> None:
    for path in ("/", "/index.html", "/sw.js", "/manifest.webmanifest", "/plan/abc"):
        assert (await http.get(path)).headers["cache-control"] == "no-cache", path

    script = await http.get("/assets/app-abc123.js")

    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_security_headers_come_with_every_page_and_file(http: httpx.AsyncClient) -> None:
    for path in ("/", "/plan/abc", "/sw.js", "/assets/app-abc123.js", "/a.wasm", "/nope.js"):
        response = await http.get(path)

        assert response.headers["content-security-policy"] == CSP, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path


async def test_app_routes_get_the_index_so_reloads_work(http: httpx.AsyncClient) -> None:
    for path in ("/plan/abc", "/plans", "/invite/ABCD-EFGH/accept", "/sync", "/assets"):
        response = await http.get(path)

        assert (response.status_code, response.text) == (200, INDEX), path
        assert media_type(response) == "text/html"


async def test_head_answers_like_get_without_a_body(http: httpx.AsyncClient) -> None:
    for path in ("/", "/plan/abc", "/assets/app-abc123.js"):
        got = await http.get(path, headers={"Accept-Encoding": "identity"})
        head = await http.head(path, headers={"Accept-Encoding": "identity"})

        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-length"] == str(len(got.content))
        assert head.headers["content-type"] == got.headers["content-type"]


async def test_missing_files_are_404_not_the_index(http: httpx.AsyncClient) -> None:
    for path in ("/nope.js", "/assets/app-000000.js", "/icons/icon-512.png", "/x.map"):
        response = await http.get(path)

        assert response.status_code == 404, path
        assert INDEX not in response.text


async def test_nothing_outside_the_client_dir_is_served(server: LiveServer) -> None:
    targets = (
        "/..%2fpyproject.toml",
        "/..%2f..%2fpyproject.toml",
        "/assets/../../x",
        "/assets/../../pyproject.toml",
        "/assets/..%2f..%2fx",
        "/%2e%2e/x",
        "/assets/leak.txt",  # a symlink pointing out of the directory
    )
    for target in targets:
        status, body = await raw_get(server, target)

        assert status == 404, target
        assert b"secret" not in body, target
    assert await raw_get(server, "/assets/../index.html") == (200, INDEX.encode())


async def test_api_and_schema_misses_stay_the_apis(http: httpx.AsyncClient) -> None:
    api_miss = await http.get("/api/nope")
    schema_miss = await http.get("/schema/nope.html")
    health = await http.get("/api/health")
    schema = await http.get("/schema/openapi.json")

    assert (api_miss.status_code, media_type(api_miss)) == (404, "application/json")
    assert schema_miss.status_code == 404
    assert INDEX not in schema_miss.text
    assert health.json() == {"status": "ok", "database": "sqlite", "feed": "local"}
    assert "/api/plans" in schema.json()["paths"]
    assert not any(p == "/" or "{path}" in p for p in schema.json()["paths"])


async def test_the_sync_socket_still_answers_on_the_apps_paths(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    base = server.url.removesuffix("/sync")
    for path in ("/", "/sync", "/plan/abc"):
        peer = await WirePeer.connect(base + path)
        page = await http.get(path)

        assert peer.server_id.startswith("sync-server-"), path
        assert (page.status_code, page.text) == (200, INDEX), path
        await peer.close()


async def test_an_unbuilt_client_gets_a_503_that_says_how_to_build(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, client_dir=tmp_path / "no-dist")
    async with (
        live_server(settings) as server,
        httpx.AsyncClient(base_url=server.base_url) as http,
    ):
        root = await http.get("/")
        route = await http.get("/plan/abc")
        health = await http.get("/api/health")

    assert root.status_code == 503
    assert "npm run build" in root.text
    assert route.status_code == 503
    assert root.headers["content-security-policy"] == CSP
    assert health.status_code == 200


async def fetch(
    http: httpx.AsyncClient, path: str, accept: str | None, method: str = "GET", **headers: str
) -> tuple[httpx.Response, bytes]:
    """The response and its body exactly as sent (httpx would decode gzip)."""
    if accept is not None:
        headers["Accept-Encoding"] = accept
    request = http.build_request(method, path, headers=headers)
    if accept is None:
        del request.headers["Accept-Encoding"]
    response = await http.send(request, stream=True)
    body = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, body


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br, zstd", "br"),  # Chromium's header
        ("br", "br"),
        ("gzip", "gzip"),
        ("gzip, deflate", "gzip"),
        ("br;q=0.5, gzip", "gzip"),  # the client's q-values rank first
        ("br;q=0.8, gzip;q=0.8", "br"),  # a tie goes to brotli
        ("*", "br"),
        ("br;q=0, *", "gzip"),
        ("GZIP;Q=1", "gzip"),  # codings and parameters are case-insensitive
        ("br;q=abc, gzip", "gzip"),  # a malformed q drops only its entry
        ("br;q=2, gzip;q=0.1", "gzip"),  # q above 1 is not a q-value
        (None, None),  # no Accept-Encoding: identity
        ("", None),
        ("identity", None),
        ("deflate, zstd", None),
        ("br;q=0, gzip;q=0", None),
        ("*;q=0", None),
        (";;, ,q=1,br;q", None),  # nonsense is identity, never an error
    ],
)
async def test_precompressed_copies_follow_accept_encoding(
    http: httpx.AsyncClient, accept: str | None, coding: str | None
) -> None:
    body = {"br": SCRIPT_BR, "gzip": SCRIPT_GZ, None: SCRIPT}[coding]
    response, sent = await fetch(http, "/assets/big-abc123.js", accept)

    assert response.status_code == 200
    assert sent == body
    assert response.headers.get("content-encoding") == coding
    assert response.headers["content-length"] == str(len(body))
    assert response.headers["vary"] == "Accept-Encoding"
    assert media_type(response) == "text/javascript"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-security-policy"] == CSP


async def test_the_gzip_copy_is_the_file_itself(http: httpx.AsyncClient) -> None:
    response = await http.get("/assets/big-abc123.js", headers={"Accept-Encoding": "gzip"})

    assert response.headers["content-encoding"] == "gzip"
    assert response.content == SCRIPT  # httpx undoes the gzip


async def test_a_missing_copy_falls_back(http: httpx.AsyncClient) -> None:
    wasm_br, wasm_br_body = await fetch(http, "/a.wasm", "br")
    wasm_both, wasm_both_body = await fetch(http, "/a.wasm", "br, gzip")
    lone, lone_body = await fetch(http, "/assets/lone-abc123.js", "br, gzip")

    assert (wasm_br.headers.get("content-encoding"), wasm_br_body) == (None, WASM)
    assert wasm_both.headers["content-encoding"] == "gzip"
    assert gzip.decompress(wasm_both_body) == WASM
    assert media_type(wasm_both) == "application/wasm"
    assert (lone.headers.get("content-encoding"), lone_body) == (None, SCRIPT)
    assert lone.headers["vary"] == "Accept-Encoding"


async def test_the_shell_is_compressed_and_not_cached_for_good(http: httpx.AsyncClient) -> None:
    for path in ("/", "/index.html", "/plan/abc"):
        response, body = await fetch(http, path, "gzip, deflate, br")

        assert (response.status_code, body) == (200, INDEX_BR), path
        assert response.headers["content-encoding"] == "br", path
        assert media_type(response) == "text/html", path
        assert response.headers["cache-control"] == "no-cache", path
        assert response.headers["vary"] == "Accept-Encoding", path


async def test_head_of_a_compressed_file_has_its_length_and_no_body(
    http: httpx.AsyncClient,
) -> None:
    head, body = await fetch(http, "/assets/big-abc123.js", "br", method="HEAD")

    assert (head.status_code, body) == (200, b"")
    assert head.headers["content-encoding"] == "br"
    assert head.headers["content-length"] == str(len(SCRIPT_BR))
    assert head.headers["vary"] == "Accept-Encoding"


async def test_a_range_request_gets_the_whole_file(http: httpx.AsyncClient) -> None:
    """Ranges are not served: a range of a compressed copy would confuse caches."""
    for accept, body in (("br", SCRIPT_BR), ("identity", SCRIPT)):
        response, sent = await fetch(http, "/assets/big-abc123.js", accept, Range="bytes=0-3")

        assert (response.status_code, sent) == (200, body), accept
        assert "content-range" not in response.headers


async def test_a_copy_never_leads_out_of_the_client_dir(server: LiveServer) -> None:
    status, body = await raw_get(server, "/assets/evil-abc123.js", accept="br")
    assert (status, body) == (200, SCRIPT)
    for target in ("/..%2fpyproject.toml", "/assets/../../x", "/assets/leak.txt", "/%2e%2e/x"):
        status, body = await raw_get(server, target, accept="br, gzip")

        assert status == 404, target
        assert b"secret" not in body, target
