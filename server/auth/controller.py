"""HTTP: accounts, the sign-in session, device tokens."""

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from server.auth.devices import device_label
from server.auth.guards import SESSION_COOKIE, identify_request, origin_allowed
from server.auth.models import (
    Account,
    AccountCreate,
    Device,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    SessionCreate,
    TokenCreate,
    TokenCreated,
)
from server.auth.policy import Identity
from server.auth.recovery import ACCEPTED, PasswordRecovery
from server.auth.service import AccountService
from server.errors import Forbidden
from server.settings import Settings


async def provide_identity(
    request: Request[Any, Any, Any],
    accounts: NamedDependency[AccountService],
    settings: NamedDependency[Settings],
) -> Identity:
    return await identify_request(request, accounts, settings.allowed_origins)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The caller's address, as throttles count it (a proxy's X-Forwarded-For via uvicorn)."""
    return request.client.host if request.client else "unknown"


def _session_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/",
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _label(request: Request[Any, Any, Any]) -> str:
    return device_label(request.headers.get("user-agent"))


class AccountController(Controller):
    path = "/api"
    tags = ("accounts",)

    @post("/accounts", status_code=HTTP_201_CREATED)
    async def create_account(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AccountCreate],
        accounts: NamedDependency[AccountService],
    ) -> Account:
        return await accounts.sign_up(data, client_address(request))

    @post("/session", status_code=HTTP_200_OK)
    async def create_session(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SessionCreate],
        accounts: NamedDependency[AccountService],
    ) -> Response[Account]:
        account, secret = await accounts.sign_in(
            data.email, data.password, client_address(request), _label(request)
        )
        return Response(
            account, cookies=[_session_cookie(request, secret, accounts.session_lifetime_s)]
        )

    @delete("/session")
    async def delete_session(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        settings: NamedDependency[Settings],
    ) -> Response[None]:
        secret = request.cookies.get(SESSION_COOKIE)
        if secret is not None:
            if not origin_allowed(request, settings.allowed_origins):
                raise Forbidden("cross-site request refused (Origin not allowed)")
            await accounts.sign_out(secret)
        return Response(None, status_code=204, cookies=[_session_cookie(request, "", 0)])

    @get("/me")
    async def get_me(
        self, identity: NamedDependency[Identity], accounts: NamedDependency[AccountService]
    ) -> Account:
        return await accounts.account(identity)

    @post("/tokens", status_code=HTTP_201_CREATED)
    async def create_token(
        self,
        data: JSONBody[TokenCreate],
        identity: NamedDependency[Identity],
        accounts: NamedDependency[AccountService],
    ) -> TokenCreated:
        return await accounts.create_token(identity, data)

    @delete("/tokens/{token_id:str}")
    async def delete_token(
        self,
        token_id: FromPath[str],
        identity: NamedDependency[Identity],
        accounts: NamedDependency[AccountService],
    ) -> None:
        await accounts.revoke_token(identity, token_id)

    @get("/account/devices")
    async def list_devices(
        self, identity: NamedDependency[Identity], accounts: NamedDependency[AccountService]
    ) -> list[Device]:
        """The account's signed-in browsers and device tokens; `current` is this one."""
        return await accounts.devices(identity)

    @delete("/account/devices/{device_id:str}")
    async def end_device(
        self,
        device_id: FromPath[str],
        identity: NamedDependency[Identity],
        accounts: NamedDependency[AccountService],
    ) -> None:
        """End a session or token of one's own (404 for any other); its sockets close."""
        await accounts.end_device(identity, device_id)

    @post("/password-reset", status_code=HTTP_202_ACCEPTED)
    async def request_password_reset(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PasswordResetRequest],
        recovery: NamedDependency[PasswordRecovery],
    ) -> PasswordResetAccepted:
        """Mail a reset link if an account has the address; the same answer either way."""
        await recovery.request(data.email, client_address(request))
        return PasswordResetAccepted(detail=ACCEPTED)

    @post("/password-reset/confirm", status_code=HTTP_200_OK)
    async def confirm_password_reset(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PasswordResetConfirm],
        recovery: NamedDependency[PasswordRecovery],
        accounts: NamedDependency[AccountService],
    ) -> Response[Account]:
        """Set the new password, end every session and token, sign this browser in."""
        account_id, secret = await recovery.confirm(data.token, data.password, _label(request))
        account = await accounts.account(Identity(account_id=account_id))
        return Response(
            account, cookies=[_session_cookie(request, secret, accounts.session_lifetime_s)]
        )
