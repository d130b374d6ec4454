"""Accounts: creation and setup links, sign-in with lockout, sessions, API tokens, grants, audit.

Changes to who may do what (accounts created, grants changed, accounts disabled or reset, API
tokens issued or revoked) are custody events in the log, like any other sensitive action.
Sign-ins and failures go to the ``auth_event`` table only: they are many, and they concern
people, not evidence; the admin's audit page lists both.

Throttling must slow guessing without letting a guesser lock others out. An account is locked
after ``login_failures`` failures in a row (only that account). A network address with
``login_failures_per_address`` failures in ``lockout_minutes`` is throttled, but only for the
names it already failed on, and for names failed on since their last sign-in: someone whose
name is not under attack still signs in from it (behind a proxy, everyone shares it). Names are
kept alike whether or not they are accounts, so neither reveals which names exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gavah.accounts import credentials as cred
from gavah.accounts.keys import AccountKeys
from gavah.accounts.principal import Principal, Standing
from gavah.accounts.roles import ADMIN, ALL_ROLES, ROLES, needs_second_factor
from gavah.custody.log import Appender, isotime, utcnow
from gavah.db import models
from gavah.errors import GavahError, InputError, NotFound
from gavah.workspace import Workspace

_NAME = re.compile(r"[^\W_][\w.-]{1,79}")
LANGUAGES = ("fa", "en")
_SEEN_EVERY = timedelta(seconds=60)  # last_seen is a write: not on every request
# Audit kinds after which a name's earlier failures no longer count as an attack on it.
_FRESH_START = ("sign-in", "unlocked", "account-reset", "account-set-up")


class SignInRefused(GavahError):
    """Wrong name, password or code, a locked or disabled account: one message for all, so a
    guesser learns nothing about which names exist."""

    exit_code = InputError.exit_code


class TooManyAttempts(SignInRefused):
    pass


@dataclass(frozen=True)
class SetupLink:
    account: str
    token: str
    expires: datetime


@dataclass(frozen=True)
class Credentials:
    """What `gavah users add --print-credentials` shows once: nothing here is stored in clear."""

    account: str
    password: str
    totp_secret: str
    recovery_codes: list[str]


@dataclass(frozen=True)
class SignIn:
    token: str  # the cookie value
    standing: Standing


@dataclass(frozen=True)
class Enrolment:
    """A second factor set up: its recovery codes (shown once) and, when the session had no
    second factor before, the new session that replaces it."""

    recovery_codes: list[str]
    token: str | None


def _aware(at: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; gavah stores UTC only."""
    if at is not None and at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InputError(
            f"{name!r} cannot be an account name",
            hint="use 2-80 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


def check_role(role: str) -> str:
    if role not in ALL_ROLES:
        raise InputError(f"unknown role {role!r}", hint=f"choose one of {', '.join(ALL_ROLES)}")
    return role


class Accounts:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.db = workspace.db
        self.settings = workspace.settings
        self.keys = AccountKeys.derive(workspace.accounts_key)

    # --- custody and audit --------------------------------------------------------------------
    def _custody(self, session: Session, kind: str, actor: str, **detail: Any) -> int:
        appender = Appender(session)
        index = appender.append(kind, None, utcnow(), {"actor": actor, "account": detail}).index
        appender.flush()
        self.ws.log.sign_checkpoint(session, appender.size, appender.root())
        return index

    @staticmethod
    def audit(
        session: Session,
        kind: str,
        account: str | None,
        actor: str | None,
        ip: str | None = None,
        **detail: Any,
    ) -> None:
        session.add(
            models.AuthEvent(
                at=utcnow(),
                kind=kind,
                account=account,
                actor=actor,
                ip=ip,
                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
            )
        )

    # --- creating accounts ---------------------------------------------------------------------
    def create(self, name: str, role: str, collections: Sequence[str], actor: str) -> SetupLink:
        """A new account with its grants, and the one-time link that lets its owner set it up."""
        check_name(name)
        check_role(role)
        if role != ADMIN and not collections:
            raise InputError(
                f"a {role} needs at least one collection",
                hint="give --collection NAME (repeatable); only admins see every collection",
            )
        with self.db.write() as session:
            if session.execute(
                select(models.Account.id).where(models.Account.name == name)
            ).first():
                raise InputError(f"there is already an account named {name!r}")
            account = models.Account(
                name=name,
                is_admin=role == ADMIN,
                language="fa",
                failed_logins=0,
                disabled=False,
                created_at=utcnow(),
            )
            session.add(account)
            session.flush()
            for collection in collections if role != ADMIN else ():
                self._put_grant(session, account.id, collection, role, actor)
            link = self._new_setup_link(account)
            self._custody(
                session,
                "account.created",
                actor,
                name=name,
                role=role,
                collections=list(collections),
            )
            self.audit(
                session, "account-created", name, actor, role=role, collections=list(collections)
            )
        return link

    def create_with_credentials(
        self, name: str, role: str, collections: Sequence[str], actor: str
    ) -> Credentials:
        """An account ready to sign in, for demos and headless setups: its secrets are returned
        once, to be shown once."""
        link = self.create(name, role, collections, actor)
        password = cred.new_token("pw")[:27]
        secret = self.setup_totp_secret(self.setup_account(link.token))
        codes = self.complete_setup(link.token, password, cred.totp_now(secret))
        return Credentials(name, password, secret, codes)

    def _new_setup_link(self, account: models.Account) -> SetupLink:
        token = cred.new_token("setup")
        expires = utcnow() + timedelta(hours=self.settings.setup_link_hours)
        account.setup_token_hash = cred.digest(token)
        account.setup_expires = expires
        return SetupLink(account.name, token, expires)

    def reset(self, name: str, actor: str) -> SetupLink:
        """A new setup link; the old password, second factor and every session stop working."""
        with self.db.write() as session:
            account = self._named(session, name)
            account.password_hash = None
            self._store_totp(account, None)
            account.failed_logins = 0
            account.locked_until = None
            self._end_sessions(session, account.id)
            session.execute(
                delete(models.RecoveryCode).where(models.RecoveryCode.account_id == account.id)
            )
            link = self._new_setup_link(account)
            self._custody(session, "account.reset", actor, name=name)
            self.audit(session, "account-reset", name, actor)
        return link

    def setup_account(self, token: str) -> models.Account:
        """The account a setup link belongs to, if the link is still valid."""
        with self.db.read() as session:
            return self._by_setup_token(session, token)

    def _by_setup_token(self, session: Session, token: str) -> models.Account:
        account = session.execute(
            select(models.Account).where(models.Account.setup_token_hash == cred.digest(token))
        ).scalar_one_or_none()
        expires = _aware(account.setup_expires) if account else None
        if account is None or expires is None or expires < utcnow() or account.disabled:
            raise NotFound(
                "this setup link is not valid: it was used already, it expired, or it never existed",
                hint="ask an admin for a new one (`gavah users reset NAME`)",
            )
        return account

    def setup_totp_secret(self, account: models.Account) -> str:
        """The TOTP secret a setup link offers: made by the server from the link, never taken
        from the browser, and the same each time the page is shown."""
        return self.keys.totp_secret_for(f"setup:{account.id}:{account.setup_token_hash}")

    def enrolment_totp_secret(self, principal: Principal) -> str:
        """The TOTP secret offered to a signed-in account that sets up (or replaces) its second
        factor: new for each session and each secret replaced."""
        with self.db.read() as session:
            account = self._get(session, principal.account_id)
            current = account.totp_sealed or account.totp_secret or ""
        where = principal.session_id or "token"
        return self.keys.totp_secret_for(f"enrol:{account.id}:{where}:{current}")

    def complete_setup(self, token: str, password: str, totp_code: str | None) -> list[str]:
        """Set the password (and TOTP, required where the role needs it); the link is used up.
        Returns the recovery codes, to be shown once (none without TOTP)."""
        password_hash = cred.hash_password(password)
        with self.db.write() as session:
            account = self._by_setup_token(session, token)
            needs = account.is_admin or any(
                needs_second_factor(g.role) for g in self._grants(session, account.id)
            )
            codes: list[str] = []
            if needs or totp_code:
                secret = self.setup_totp_secret(account)
                codes = self._set_totp(session, account, secret, totp_code)
            account.password_hash = password_hash
            account.setup_token_hash = None
            account.setup_expires = None
            self.audit(session, "account-set-up", account.name, account.name)
        return codes

    def _set_totp(
        self, session: Session, account: models.Account, secret: str, code: str | None
    ) -> list[str]:
        step = cred.totp_step(secret, code) if code else None
        if step is None:
            raise InputError(
                "the code from the authenticator app does not match",
                hint="add the secret to the app again and type the 6-digit code it shows now",
            )
        self._store_totp(account, secret)
        session.execute(
            delete(models.RecoveryCode).where(models.RecoveryCode.account_id == account.id)
        )
        codes = cred.new_recovery_codes()
        for code_ in codes:
            session.add(
                models.RecoveryCode(
                    account_id=account.id,
                    code_hash=cred.digest(cred.normalise_recovery_code(code_)),
                )
            )
        return codes

    def enrol_totp(self, principal: Principal, code: str) -> Enrolment:
        """Add TOTP to a signed-in account (or replace it) with the secret
        :meth:`enrolment_totp_secret` offered; new recovery codes, shown once. A session that
        had no second factor is replaced by a new one that has it."""
        secret = self.enrolment_totp_secret(principal)
        with self.db.write() as session:
            account = self._get(session, principal.account_id)
            codes = self._set_totp(session, account, secret, code)
            token = self._elevate(session, principal, account)
            self.audit(session, "totp-enrolled", account.name, principal.actor)
        return Enrolment(codes, token)

    def _elevate(
        self, session: Session, principal: Principal, account: models.Account
    ) -> str | None:
        """Mark the session as having given the second factor. A session that had not is
        replaced by a new one (new cookie, new CSRF token): a cookie seen or planted before the
        second factor is worth nothing after it."""
        if principal.session_id is None:
            return None
        row = session.get(models.AccountSession, principal.session_id)
        if row is None or row.revoked_at is not None:
            return None
        if row.second_factor:
            return None
        row.revoked_at = utcnow()
        return self._open_session(session, account, row.ip, row.user_agent, True)

    # --- TOTP secrets, sealed at rest ------------------------------------------------------------
    def _totp_secret(self, account: models.Account) -> str | None:
        if account.totp_sealed:
            return self.keys.open_totp(account.id, account.totp_sealed)
        return account.totp_secret  # in clear: made before migration 0006, sealed at next open

    @staticmethod
    def _has_totp(account: models.Account) -> bool:
        return bool(account.totp_sealed or account.totp_secret)

    def _store_totp(self, account: models.Account, secret: str | None) -> None:
        account.totp_sealed = self.keys.seal_totp(account.id, secret) if secret else None
        account.totp_secret = None

    # --- signing in ----------------------------------------------------------------------------
    def sign_in(self, name: str, password: str, ip: str | None, user_agent: str | None) -> SignIn:
        """Check the password; a session follows, still owing the second factor where one is set."""
        refused: SignInRefused | None = None
        with self.db.write() as session:
            account = session.execute(
                select(models.Account).where(models.Account.name == name)
            ).scalar_one_or_none()
            subject = self._subject(account, name)
            self._check_address(session, ip, subject)
            ok = cred.verify_password(account.password_hash if account else None, password)
            if account is None or not ok or not self._may_sign_in(account):
                # The failure is committed with this transaction; the refusal is raised after.
                refused = self._count_failure(session, account, subject, ip, "password")
            else:
                standing = self._standing_after_password(session, account)
                if standing is Standing.READY:
                    account.failed_logins = 0
                ready = standing is Standing.READY
                token = self._open_session(session, account, ip, user_agent, ready)
                self.audit(session, "sign-in" if ready else "password-ok", name, name, ip)
        if refused is not None:
            raise refused
        return SignIn(token, standing)

    def _standing_after_password(self, session: Session, account: models.Account) -> Standing:
        if self._has_totp(account):
            return Standing.NEEDS_CODE
        grants = self._grants(session, account.id)
        if account.is_admin or any(needs_second_factor(g.role) for g in grants):
            return Standing.NEEDS_ENROLMENT
        return Standing.READY

    def second_factor(self, principal: Principal, code: str, ip: str | None) -> str | None:
        """Accept a TOTP code or an unused recovery code for a session that owes one. The
        session is replaced by a new one: returns its token (the new cookie)."""
        refused: SignInRefused | None = None
        token: str | None = None
        with self.db.write() as session:
            account = self._get(session, principal.account_id)
            self._check_address(session, ip, account.name)
            how = self._which_code(session, account, code)
            if how is None:
                refused = self._count_failure(session, account, account.name, ip, "code")
            else:
                account.failed_logins = 0
                token = self._elevate(session, principal, account)
                self.audit(session, "sign-in", account.name, account.name, ip, second_factor=how)
        if refused is not None:
            raise refused
        return token

    def _which_code(self, session: Session, account: models.Account, code: str) -> str | None:
        secret = self._totp_secret(account)
        if not self._may_sign_in(account) or not secret:
            return None
        step = cred.totp_step(secret, code)
        if step is not None and step > (account.totp_last_step or -1):
            account.totp_last_step = step  # RFC 6238 section 5.2: a code is accepted once
            return "totp"
        if self._use_recovery_code(session, account.id, code):
            return "recovery-code"
        return None

    def _use_recovery_code(self, session: Session, account_id: int, code: str) -> bool:
        row = session.execute(
            select(models.RecoveryCode).where(
                models.RecoveryCode.account_id == account_id,
                models.RecoveryCode.code_hash == cred.digest(cred.normalise_recovery_code(code)),
                models.RecoveryCode.used_at.is_(None),
            )
        ).scalar_one_or_none()
        if row is None:
            return False
        row.used_at = utcnow()
        return True

    def _may_sign_in(self, account: models.Account) -> bool:
        locked = _aware(account.locked_until)
        return not account.disabled and (locked is None or locked <= utcnow())

    def _subject(self, account: models.Account | None, typed: str) -> str:
        """Whom a sign-in concerns, as the audit trail keeps it: the account's name, or for a
        name that is no account's (a typo, a guess, a password typed in the wrong field) only
        its keyed digest."""
        if account is not None:
            return account.name
        return self.keys.unknown_name(typed)

    def _count_failure(
        self,
        session: Session,
        account: models.Account | None,
        subject: str,
        ip: str | None,
        step: str,
    ) -> SignInRefused:
        """Count the failure and lock the account after too many; the one refusal to raise."""
        if account is not None and self._may_sign_in(account):
            account.failed_logins += 1
            if account.failed_logins >= self.settings.login_failures:
                account.locked_until = utcnow() + timedelta(minutes=self.settings.lockout_minutes)
                self.audit(session, "locked", subject, None, ip, failures=account.failed_logins)
        self.audit(session, "sign-in-failed", subject, None, ip, step=step)
        return SignInRefused(
            "sign-in failed: the name, password or code is wrong, or the account is locked",
            hint=f"after {self.settings.login_failures} failures an account is locked for "
            f"{self.settings.lockout_minutes:g} minutes; an admin can unlock it sooner",
        )

    def _check_address(self, session: Session, ip: str | None, subject: str) -> None:
        """Refuse a throttled address, but only for a name under attack (see the module's
        docstring): an address many share must not lock everyone out."""
        if ip is None:
            return
        since = utcnow() - timedelta(minutes=self.settings.lockout_minutes)
        event = models.AuthEvent
        failures = session.execute(
            select(func.count())
            .select_from(event)
            .where(event.kind == "sign-in-failed", event.ip == ip, event.at >= since)
        ).scalar_one()
        if failures < self.settings.login_failures_per_address:
            return
        if self._under_attack(session, subject, since):
            raise TooManyAttempts(
                "too many failed sign-ins from this network address",
                hint=f"wait {self.settings.lockout_minutes:g} minutes and try again",
            )

    def _under_attack(self, session: Session, subject: str, since: datetime) -> bool:
        """A name failed on within the window and since its last sign-in (or unlock)."""
        event = models.AuthEvent
        fresh = session.execute(
            select(func.max(event.at)).where(event.account == subject, event.kind.in_(_FRESH_START))
        ).scalar_one()
        fresh_at = _aware(fresh)
        start = max(since, fresh_at) if fresh_at is not None else since
        failed = session.execute(
            select(event.id)
            .where(event.account == subject, event.kind == "sign-in-failed", event.at > start)
            .limit(1)
        ).first()
        return failed is not None

    # --- sessions ------------------------------------------------------------------------------
    def _open_session(
        self,
        session: Session,
        account: models.Account,
        ip: str | None,
        user_agent: str | None,
        second_factor: bool,
    ) -> str:
        token = cred.new_token("s")
        now = utcnow()
        session.add(
            models.AccountSession(
                token_hash=cred.digest(token),
                account_id=account.id,
                csrf=cred.new_token("csrf"),
                second_factor=second_factor,
                created_at=now,
                last_seen=now,
                expires_at=now + timedelta(hours=self.settings.session_hours),
                ip=ip,
                user_agent=(user_agent or "")[:300],
            )
        )
        return token

    def principal_for_session(self, token: str) -> Principal | None:
        """Who holds this session cookie, or None if it is unknown, expired, revoked or the
        account was disabled. Sliding expiry: activity extends the session."""
        key = cred.digest(token)
        with self.db.read() as session:
            row = session.get(models.AccountSession, key)
            if row is None or row.revoked_at is not None:
                return None
            expires, seen = _aware(row.expires_at), _aware(row.last_seen)
            if expires is None or expires <= utcnow():
                return None
            account = session.get(models.Account, row.account_id)
            if account is None or account.disabled:
                return None
            principal = self._principal(session, account, "session", row)
        if seen is None or utcnow() - seen > _SEEN_EVERY:
            self._touch(key)
        return principal

    def _touch(self, key: str) -> None:
        now = utcnow()
        with self.db.write() as session:
            session.execute(
                update(models.AccountSession)
                .where(models.AccountSession.token_hash == key)
                .values(
                    last_seen=now, expires_at=now + timedelta(hours=self.settings.session_hours)
                )
            )

    def _principal(
        self,
        session: Session,
        account: models.Account,
        via: str,
        row: models.AccountSession | None = None,
    ) -> Principal:
        grants = {g.collection: g.role for g in self._grants(session, account.id)}
        standing = Standing.READY
        # Checked on every request, for sessions and tokens alike: a role granted since signing
        # in (or a token made) without a second factor may need one now.
        needs = account.is_admin or any(needs_second_factor(r) for r in grants.values())
        if needs and not self._has_totp(account):
            standing = Standing.NEEDS_ENROLMENT
        elif row is not None and not row.second_factor and self._has_totp(account):
            standing = Standing.NEEDS_CODE
        return Principal(
            account_id=account.id,
            name=account.name,
            is_admin=account.is_admin,
            language=account.language,
            grants=grants,
            standing=standing,
            via=via,
            session_id=row.token_hash if row is not None else None,
            csrf=row.csrf if row is not None else None,
        )

    def sign_out(self, principal: Principal) -> None:
        with self.db.write() as session:
            session.execute(
                update(models.AccountSession)
                .where(models.AccountSession.token_hash == principal.session_id)
                .values(revoked_at=utcnow())
            )
            self.audit(session, "sign-out", principal.name, principal.actor)

    def sessions(self, account_id: int) -> list[dict[str, Any]]:
        """The account's live sessions; ``id`` is a short public handle, not the digest."""
        with self.db.read() as session:
            rows = session.execute(
                select(models.AccountSession)
                .where(
                    models.AccountSession.account_id == account_id,
                    models.AccountSession.revoked_at.is_(None),
                    models.AccountSession.expires_at > utcnow(),
                )
                .order_by(models.AccountSession.last_seen.desc())
            ).scalars()
            return [
                {
                    "id": r.token_hash[:16],
                    "created_at": isotime(r.created_at),
                    "last_seen": isotime(r.last_seen),
                    "ip": r.ip,
                    "user_agent": r.user_agent,
                }
                for r in rows
            ]

    def revoke_session(self, principal: Principal, public_id: str) -> None:
        if not re.fullmatch(r"[0-9a-f]{16}", public_id):
            raise NotFound("no such session")
        with self.db.write() as session:
            done = session.execute(
                update(models.AccountSession)
                .where(
                    models.AccountSession.account_id == principal.account_id,
                    models.AccountSession.token_hash.startswith(public_id),
                    models.AccountSession.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow())
            )
            if not done.rowcount:  # type: ignore[attr-defined]
                raise NotFound("no such session")
            self.audit(
                session, "session-revoked", principal.name, principal.actor, handle=public_id
            )

    def _end_sessions(self, session: Session, account_id: int) -> None:
        now = utcnow()
        session.execute(
            update(models.AccountSession)
            .where(
                models.AccountSession.account_id == account_id,
                models.AccountSession.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        session.execute(
            update(models.ApiToken)
            .where(models.ApiToken.account_id == account_id, models.ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # --- API tokens ----------------------------------------------------------------------------
    def create_token(self, principal: Principal, name: str) -> str:
        name = name.strip()[:80] or "token"
        token = cred.new_token("gvh")
        with self.db.write() as session:
            session.add(
                models.ApiToken(
                    account_id=principal.account_id,
                    name=name,
                    token_hash=cred.digest(token),
                    prefix=token[:10],
                    created_at=utcnow(),
                )
            )
            self._custody(
                session, "account.token-created", principal.actor, name=principal.name, token=name
            )
            self.audit(session, "token-created", principal.name, principal.actor, token=name)
        return token

    def tokens(self, account_id: int) -> list[dict[str, Any]]:
        with self.db.read() as session:
            rows = session.execute(
                select(models.ApiToken)
                .where(
                    models.ApiToken.account_id == account_id, models.ApiToken.revoked_at.is_(None)
                )
                .order_by(models.ApiToken.id)
            ).scalars()
            return [
                {
                    "id": r.id,
                    "name": r.name,
                    "prefix": r.prefix,
                    "created_at": isotime(r.created_at),
                    "last_used": isotime(r.last_used) if r.last_used else None,
                }
                for r in rows
            ]

    def revoke_token(self, principal: Principal, token_id: int) -> None:
        with self.db.write() as session:
            row = session.get(models.ApiToken, token_id)
            if row is None or row.account_id != principal.account_id or row.revoked_at:
                raise NotFound(f"no API token {token_id}")
            row.revoked_at = utcnow()
            self._custody(
                session,
                "account.token-revoked",
                principal.actor,
                name=principal.name,
                token=row.name,
            )
            self.audit(session, "token-revoked", principal.name, principal.actor, token=row.name)

    def principal_for_token(self, token: str) -> Principal | None:
        with self.db.read() as session:
            row = session.execute(
                select(models.ApiToken).where(models.ApiToken.token_hash == cred.digest(token))
            ).scalar_one_or_none()
            if row is None or row.revoked_at is not None:
                return None
            account = session.get(models.Account, row.account_id)
            if account is None or account.disabled:
                return None
            used = _aware(row.last_used)
            principal = self._principal(session, account, "token")
        if used is None or utcnow() - used > _SEEN_EVERY:
            with self.db.write() as session:
                session.execute(
                    update(models.ApiToken)
                    .where(models.ApiToken.id == row.id)
                    .values(last_used=utcnow())
                )
        return principal

    # --- grants and administration -------------------------------------------------------------
    def _grants(self, session: Session, account_id: int) -> list[models.AccountGrant]:
        return list(
            session.execute(
                select(models.AccountGrant).where(models.AccountGrant.account_id == account_id)
            ).scalars()
        )

    def _put_grant(
        self, session: Session, account_id: int, collection: str, role: str, actor: str
    ) -> None:
        if role not in ROLES:
            raise InputError(
                f"{role!r} cannot be granted per collection",
                hint=f"choose one of {', '.join(ROLES)}; admin is workspace-wide",
            )
        if not collection.strip() or len(collection) > 200:
            raise InputError("a collection name must be 1-200 characters")
        grant = session.get(models.AccountGrant, (account_id, collection))
        if grant is None:
            session.add(
                models.AccountGrant(
                    account_id=account_id,
                    collection=collection,
                    role=role,
                    granted_by=actor,
                    at=utcnow(),
                )
            )
        else:
            grant.role, grant.granted_by, grant.at = role, actor, utcnow()

    def grant(self, name: str, collection: str, role: str, actor: str) -> None:
        with self.db.write() as session:
            account = self._named(session, name)
            self._put_grant(session, account.id, collection, role, actor)
            self._access_changed(session, name, collection, role, actor)

    def revoke(self, name: str, collection: str, actor: str) -> None:
        with self.db.write() as session:
            account = self._named(session, name)
            grant = session.get(models.AccountGrant, (account.id, collection))
            if grant is None:
                raise NotFound(f"{name} has no role in collection {collection!r}")
            session.delete(grant)
            self._access_changed(session, name, collection, None, actor)

    def _access_changed(
        self, session: Session, name: str, collection: str, role: str | None, actor: str
    ) -> None:
        """The custody event and audit row of a grant (``role``) or its removal (None)."""
        self._custody(
            session, "account.access-changed", actor, name=name, collection=collection, role=role
        )
        detail = {"collection": collection, **({"role": role} if role else {})}
        self.audit(session, "grant" if role else "revoke", name, actor, **detail)

    def set_disabled(self, name: str, disabled: bool, actor: str) -> None:
        with self.db.write() as session:
            account = self._named(session, name)
            account.disabled = disabled
            if disabled:
                self._end_sessions(session, account.id)
            kind = "account.disabled" if disabled else "account.enabled"
            self._custody(session, kind, actor, name=name)
            self.audit(session, kind.split(".")[1], name, actor)

    def unlock(self, name: str, actor: str) -> None:
        with self.db.write() as session:
            account = self._named(session, name)
            account.failed_logins = 0
            account.locked_until = None
            self.audit(session, "unlocked", name, actor)

    def set_language(self, principal: Principal, language: str) -> None:
        if language not in LANGUAGES:
            raise InputError(f"unknown language {language!r}", hint="choose fa or en")
        with self.db.write() as session:
            self._get(session, principal.account_id).language = language

    def overview(self) -> list[dict[str, Any]]:
        with self.db.read() as session:
            accounts = session.execute(
                select(models.Account).order_by(models.Account.name)
            ).scalars()
            out = []
            for a in accounts:
                locked = _aware(a.locked_until)
                out.append(
                    {
                        "name": a.name,
                        "admin": a.is_admin,
                        "grants": {g.collection: g.role for g in self._grants(session, a.id)},
                        "second_factor": self._has_totp(a),
                        "set_up": a.password_hash is not None,
                        "disabled": a.disabled,
                        "locked": locked is not None and locked > utcnow(),
                        "language": a.language,
                        "created_at": isotime(a.created_at),
                    }
                )
            return out

    def count(self) -> int:
        with self.db.read() as session:
            return int(
                session.execute(select(func.count()).select_from(models.Account)).scalar_one()
            )

    def events(self, kinds: Iterable[str] | None = None, limit: int = 200) -> list[dict[str, Any]]:
        with self.db.read() as session:
            query = select(models.AuthEvent).order_by(models.AuthEvent.id.desc()).limit(limit)
            if kinds:
                query = query.where(models.AuthEvent.kind.in_(list(kinds)))
            return [
                {
                    "at": isotime(e.at),
                    "kind": e.kind,
                    "account": e.account,
                    "actor": e.actor,
                    "ip": e.ip,
                    "detail": json.loads(e.detail) if e.detail else {},
                }
                for e in session.execute(query).scalars()
            ]

    def _get(self, session: Session, account_id: int) -> models.Account:
        account = session.get(models.Account, account_id)
        if account is None:
            raise NotFound("the account no longer exists")
        return account

    def _named(self, session: Session, name: str) -> models.Account:
        account = session.execute(
            select(models.Account).where(models.Account.name == name)
        ).scalar_one_or_none()
        if account is None:
            raise NotFound(f"no account named {name!r}", hint="`gavah users list` shows them")
        return account
