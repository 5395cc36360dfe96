"""The server on PostgreSQL (`--database postgresql://...`): it serves and keeps accounts.

The access and sync suites run on PostgreSQL as well (tests/interop, DATABASES); several
processes on one database: test_several_processes.py (and
tests/interop/test_two_server_processes.py).
"""

from pathlib import Path

import httpx

from server.settings import Settings
from tests.support.api import PASSWORD, ApiUser
from tests.support.live_server import live_server


async def test_a_server_on_postgresql_keeps_accounts_and_answers_health(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=postgres_url)
    async with live_server(settings, open_access=False) as server:
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            health = await http.get("/api/health")
        user = await ApiUser.sign_up(server.base_url, "Pat")
        await user.close()

    assert health.status_code == 200, health.text
    assert health.json() == {"status": "ok", "database": "postgresql", "feed": "listening"}
    assert not (tmp_path / "plans.db").exists()
    # A new server on the same database knows the account: it is in PostgreSQL.
    async with live_server(settings, open_access=False) as again:
        origin = {"origin": again.base_url}
        async with httpx.AsyncClient(base_url=again.base_url, headers=origin) as http:
            signed_in = await http.post(
                "/api/session", json={"email": user.account["email"], "password": PASSWORD}
            )
    assert signed_in.status_code == 200, signed_in.text
