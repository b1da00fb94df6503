"""People: accounts with argon2id password hashes (argon2-cffi) and a role, ``reviewer`` or ``admin``.

Both roles decide hits and suppliers and mark evidence; an admin also adds and disables accounts in the web
app. Accounts are never deleted (the audit trail names them): they are disabled. Adding and disabling an
account are events of the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from supplyscreen.errors import InputError
from supplyscreen.review import audit
from supplyscreen.review.audit import Actor, person_name
from supplyscreen.store.models import UserRow

if TYPE_CHECKING:
    from supplyscreen.store import Store

ROLES = ("reviewer", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_hasher = PasswordHasher()  # argon2id with argon2-cffi's current parameters (RFC 9106 low-memory profile)


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    active: bool
    created_at: dt.datetime

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown names: the answer takes as long either way."""
    return _hasher.hash("a password no account has")


def _user(row: UserRow) -> User:
    return User(row.id, row.name, row.role, row.active, row.created_at)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"the password is shorter than {MIN_PASSWORD} characters", hint="choose a longer one"
        )
    if len(password) > MAX_PASSWORD:
        raise InputError(
            f"the password is longer than {MAX_PASSWORD} characters", hint="choose a shorter one"
        )
    return password


def add_user(store: Store, name: str, role: str, password: str, actor: Actor) -> User:
    """A new account (``role`` reviewer or admin); InputError when the name is taken or not accepted."""
    name = person_name(name, "the user name")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", hint="use reviewer or admin")
    digest = _hasher.hash(check_password(password))
    try:
        with store.session() as s:
            audit.lock(s)
            if s.scalar(select(UserRow.id).where(func.lower(UserRow.name) == name.lower())) is not None:
                raise InputError(f"a user named {name!r} exists", hint="choose another name")
            row = UserRow(name=name, role=role, password_hash=digest, active=True)
            s.add(row)
            s.flush()
            audit.append(s, actor, "user.add", f"user:{name}", after={"name": name, "role": role})
            return _user(row)
    except IntegrityError:
        raise InputError(f"a user named {name!r} exists", hint="choose another name") from None


def list_users(store: Store) -> list[User]:
    with store.session() as s:
        return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name)).all()]


def find_user(store: Store, name: str) -> User | None:
    """The account of ``name`` (any case), active or not."""
    with store.session() as s:
        row = s.scalars(select(UserRow).where(func.lower(UserRow.name) == name.strip().lower())).first()
        return _user(row) if row is not None else None


def get_user(store: Store, user_id: int) -> User | None:
    with store.session() as s:
        row = s.get(UserRow, user_id)
        return _user(row) if row is not None else None


def any_active(store: Store) -> bool:
    with store.session() as s:
        return s.scalar(select(UserRow.id).where(UserRow.active.is_(True)).limit(1)) is not None


def disable_user(store: Store, name: str, actor: Actor) -> User:
    """Disable an account: it can no longer sign in, and its sessions end at their next request."""
    with store.session() as s:
        audit.lock(s)
        row = s.scalars(select(UserRow).where(func.lower(UserRow.name) == name.strip().lower())).first()
        if row is None:
            raise InputError(f"no user is named {name!r}", hint="supplyscreen users list shows them")
        if row.active:
            row.active = False
            audit.append(
                s, actor, "user.disable", f"user:{row.name}", before={"active": True}, after={"active": False}
            )
        return _user(row)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The active account whose name and password these are, or None (the same work is done for an unknown
    name, so the answer's time does not tell which names exist)."""
    with store.session() as s:
        row = s.scalars(select(UserRow).where(func.lower(UserRow.name) == name.strip().lower())).first()
        digest = row.password_hash if row is not None else _dummy_hash()
        user = _user(row) if row is not None else None
    try:
        _hasher.verify(digest, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    return user if user is not None and user.active else None
