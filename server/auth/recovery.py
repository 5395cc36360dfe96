"""Forgotten passwords: a reset link by email, used once within 30 minutes (issue 13, item 6).

Asking (`request`) answers the same whatever the email: the lookup, the token and the mail
happen after the answer, in a task of their own, so neither the answer nor its time says
whether an account has that address. The link carries a 32-byte token in its fragment, as
an app route (`/#/reset-password/TOKEN`): browsers never send a fragment to a server, so it
stays out of access logs and Referer headers. Only the token's SHA-256 is stored.

Using it (`confirm`) sets the new password and ends every session and device token of the
account (their sockets close with 4401), then signs this browser in afresh. An operator
without SMTP resets an account with `python -m server reset-password EMAIL`
(`operator_reset`), which ends them the same way in the database; sockets already open
to a running server stay open until it restarts (it is another process).
"""

import asyncio
import logging
import secrets

from server.auth.credentials import PasswordHashing, secret_hash
from server.auth.mail import Mailer
from server.auth.policy import AccessEvents
from server.auth.service import MAX_FIELD, AccountService, check_password
from server.auth.throttle import ResetThrottle, SignInThrottle
from server.clock import now_ms
from server.errors import InvalidInput, NotConfigured
from server.storage.attempts import AttemptLog
from server.storage.records import AccountRecords, PasswordReset

log = logging.getLogger(__name__)

RESET_LIFETIME_MS = 30 * 60 * 1000
RESET_PATH = "/#/reset-password/"
ACCEPTED = (
    "If an account has this email address, a link to choose a new password is on its way."
    " It works once, for 30 minutes."
)
NOT_VALID = "this reset link has expired or was used already; ask for a new one"
NO_MAIL = (
    "this server cannot send email, so passwords are not reset by email here;"
    " ask whoever runs it to reset yours"
)
SUBJECT = "Choose a new password for your safety plan account"
_MAX_TOKEN = 100  # token_urlsafe(32) is 43 characters
_SEND_WAIT_S = 10.0  # at shutdown, mail still being sent has this long to finish


def reset_mail(link: str) -> str:
    """The message: the link and what it does, and nothing of any plan."""
    return (
        "Someone asked to reset the password of the safety plan account that uses this"
        " email address.\n\n"
        "To choose a new password, open this link within 30 minutes:\n\n"
        f"{link}\n\n"
        "The link works once. Choosing a new password signs the account out on every"
        " phone and computer, and ends its device tokens.\n\n"
        "If you did not ask for this, ignore this message: your password stays as it is.\n"
    )


class PasswordRecovery:
    def __init__(
        self,
        records: AccountRecords,
        events: AccessEvents,
        accounts: AccountService,
        *,
        hashing: PasswordHashing,
        attempts: AttemptLog,
        mailer: Mailer | None,
        link_base: str | None,
    ) -> None:
        self._records = records
        self._events = events
        self._accounts = accounts
        self._hashing = hashing
        self._throttle = ResetThrottle(attempts)
        self._mailer = mailer
        self._link_base = (link_base or "").rstrip("/")
        self._sending: set[asyncio.Task[None]] = set()

    @property
    def by_email(self) -> bool:
        """Whether reset links are sent (an SMTP server is configured)."""
        return self._mailer is not None

    async def request(self, email: str, address: str) -> None:
        """Send a reset link if an account has this address; the same outcome either way."""
        if self._mailer is None:
            raise NotConfigured(NO_MAIL)
        email = email.strip()
        if not 0 < len(email) <= MAX_FIELD:
            raise InvalidInput(f"an email address of 1 to {MAX_FIELD} characters is needed")
        if not await self._throttle.attempt(email, address):
            return
        task = asyncio.create_task(self._send(email, self._mailer), name="password-reset-mail")
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def confirm(self, token: str, password: str, label: str) -> tuple[str, str]:
        """Set the password; every session and token ends. (account id, new session secret)."""
        check_password(password)
        if not 0 < len(token) <= _MAX_TOKEN:
            raise InvalidInput(NOT_VALID)
        token_hash = secret_hash(token)
        account_id = await self._records.password_reset_account(token_hash, now_ms())
        if account_id is None:  # before hashing: a made-up token costs no hash
            raise InvalidInput(NOT_VALID)
        password_hash = await self._hashing.hash(password)
        reset = await self._records.reset_password(token_hash, account_id, password_hash, now_ms())
        if reset is None:  # used or expired while the hash was made
            raise InvalidInput(NOT_VALID)
        await self._ended(reset)
        return account_id, await self._accounts.start_session(account_id, label)

    async def close(self) -> None:
        """Shutdown: mail being sent gets a few seconds to go, then is given up."""
        if not self._sending:
            return
        _, late = await asyncio.wait(set(self._sending), timeout=_SEND_WAIT_S)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _ended(self, reset: PasswordReset) -> None:
        for credential_id in reset.ended_credential_ids:
            self._events.credential_revoked(credential_id)
        await self._accounts.forget_failed_sign_ins(reset.email)

    async def _send(self, email: str, mailer: Mailer) -> None:
        try:
            row = await self._records.account_by_email(email)
            if row is None:
                return
            token = secrets.token_urlsafe(32)
            now = now_ms()
            await self._records.create_password_reset(
                secret_hash(token), row.id, now, now + RESET_LIFETIME_MS
            )
            link = f"{self._link_base}{RESET_PATH}{token}"
            await mailer.send(row.email, SUBJECT, reset_mail(link))
        except Exception as e:  # noqa: BLE001 - a task of its own: say what failed, go on
            # Neither the address nor the link is logged.
            log.warning("a password-reset mail was not sent: %s", type(e).__name__)


async def operator_reset(
    records: AccountRecords,
    hashing: PasswordHashing,
    attempts: AttemptLog,
    email: str,
    password: str,
) -> PasswordReset | None:
    """Set an account's password from the command line; None if no account has the email.

    Every session and device token of the account ends, and its failed sign-ins no longer
    count. Run in a process of its own, it cannot close a running server's sockets.
    """
    check_password(password)
    row = await records.account_by_email(email.strip())
    if row is None:
        return None
    reset = await records.reset_password(None, row.id, await hashing.hash(password), now_ms())
    if reset is not None:
        await SignInThrottle(attempts).succeeded(reset.email)
    return reset
