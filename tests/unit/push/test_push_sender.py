"""What the push sender will call: https on public addresses, whatever DNS says later."""

import pytest

from server.push.sender import PublicResolver, endpoint_problem


@pytest.mark.parametrize(
    ("endpoint", "allow_loopback", "problem"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", False, None),
        ("https://updates.push.services.mozilla.com/wpush/v2/x", False, None),
        ("https://8.8.8.8/x", False, None),
        ("http://fcm.googleapis.com/fcm/send/abc", False, "endpoint must be an https URL"),
        ("https://10.1.2.3/x", False, "endpoint must name a public host"),
        ("https://[::1]/x", False, "endpoint must name a public host"),
        ("https://[fd00::1]/x", False, "endpoint must name a public host"),
        ("https://intranet/x", False, "endpoint must name a public host"),
        ("https://localhost/x", False, "endpoint must name a public host"),
        ("http://127.0.0.1:9/x", False, "endpoint must be an https URL"),
        ("http://127.0.0.1:9/x", True, None),
        ("http://localhost:9/x", True, None),
        ("http://10.1.2.3/x", True, "endpoint must be an https URL"),
        ("https://a:b@push.example.org/x", False, "with a host and no credentials"),
        ("https://push.example.org:99999/x", False, "endpoint is not a URL"),
    ],
)
def test_endpoint_problems(endpoint: str, allow_loopback: bool, problem: str | None) -> None:
    found = endpoint_problem(endpoint, allow_loopback=allow_loopback)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


async def test_the_resolver_keeps_no_private_address_a_name_resolves_to() -> None:
    strict, loopback = PublicResolver(allow_loopback=False), PublicResolver(allow_loopback=True)
    try:
        with pytest.raises(OSError, match="no public address"):
            await strict.resolve("localhost", 443)
        found = await loopback.resolve("localhost", 443)
        assert found
        assert {r["host"] for r in found} <= {"127.0.0.1", "::1"}
    finally:
        await strict.close()
        await loopback.close()
