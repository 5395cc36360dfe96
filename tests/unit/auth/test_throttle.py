"""Throttle keys: an email spelled any way that reaches one account is one key."""

import contextlib
import itertools
import sqlite3

from server.auth.throttle import email_key

SPELLINGS = [
    "sam@example.org",
    " Sam@Example.ORG\t",
    "SAM@EXAMPLE.ORG",
    "sám@example.org",
    "SÁM@example.org",
    "\u017fam@example.org",  # long s: casefold() would make it "sam"
    "\u212aim@example.org",  # Kelvin sign, lower() gives "kim"
    "kim@example.org",
]


def test_email_keys_match_exactly_when_account_lookup_does() -> None:
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        db.execute("CREATE TABLE accounts (email TEXT NOT NULL UNIQUE COLLATE NOCASE)")
        for a, b in itertools.combinations(SPELLINGS, 2):
            # What AccountService does: strip, then `WHERE email = ?` on the NOCASE column.
            db.execute("DELETE FROM accounts")
            db.execute("INSERT INTO accounts VALUES (?)", (a.strip(),))
            found = db.execute("SELECT 1 FROM accounts WHERE email = ?", (b.strip(),)).fetchall()

            assert (email_key(a) == email_key(b)) == bool(found), (a, b)
