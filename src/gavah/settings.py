"""Settings, each declared once with its default and help.

Only this module reads the environment. Sources, strongest first: explicit overrides (CLI flags),
environment variables ``GAVAH_*``, the workspace's ``gavah.toml``, then the defaults below.
``docs/settings.md`` is generated from this class (``python -m gavah.settings``) and a test fails
when it is out of date.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from gavah.errors import ConfigError

DEFAULT_WORKSPACE = Path("gavah-data")
CONFIG_FILENAME = "gavah.toml"


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): still record something honest
        return f"uid:{os.getuid()}"


class Settings(BaseSettings):
    """Everything gavah can be configured with."""

    model_config = SettingsConfigDict(env_prefix="GAVAH_", extra="forbid", frozen=True)

    workspace: Path = Field(
        DEFAULT_WORKSPACE,
        description="Folder holding the workspace: gavah.toml, the signing key and, by default, "
        "the SQLite database and the blob folder.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the database. Empty means SQLite at WORKSPACE/gavah.sqlite3. "
        "For PostgreSQL: postgresql+psycopg://user@host:5432/dbname.",
    )
    store: str | None = Field(
        None,
        description="Where blobs live. Empty means the folder WORKSPACE/blobs; a path means that folder; "
        "s3://bucket/prefix means an S3 bucket (see the S3_* settings).",
    )
    s3_endpoint_url: str | None = Field(
        None, description="S3 endpoint URL, for S3-compatible servers (MinIO, Garage, Ceph)."
    )
    s3_region: str = Field("us-east-1", description="S3 region name.")
    s3_access_key_id: str | None = Field(
        None, description="S3 access key id. Empty means boto3's usual credential chain."
    )
    s3_secret_access_key: SecretStr | None = Field(
        None, description="S3 secret key. Never printed or logged."
    )
    signing_key: Path | None = Field(
        None,
        description="Ed25519 private key (PEM) that signs log checkpoints. "
        "Empty means WORKSPACE/keys/log-signing.pem, created by `gavah init` with mode 0600.",
    )
    actor: str = Field(
        default_factory=_default_actor,
        description="Who is acting, as recorded in every custody event. Defaults to the OS user name.",
    )
    ingest_workers: int = Field(
        # Twice the CPUs: while one file waits for its fsync, another is being hashed (measured
        # in bench/: 2 threads on 2 cores took 2.6-2.8 s for 1 GiB, 4 threads 2.1-2.4 s).
        default_factory=lambda: min(32, 2 * (os.cpu_count() or 1)),
        ge=1,
        le=64,
        description="Files hashed and stored at once during ingest (and blobs re-hashed by "
        "`log verify`). Defaults to twice the number of CPUs.",
    )
    sqlite_busy_timeout: float = Field(
        30.0,
        ge=0,
        description="Seconds to wait for another process's write lock on SQLite before giving up.",
    )

    host: str = Field(
        "127.0.0.1",
        description="Address `gavah serve` listens on. The default reaches this machine only; "
        "put a TLS-terminating proxy in front before listening on other addresses.",
    )
    port: int = Field(8000, ge=1, le=65535, description="Port `gavah serve` listens on.")
    base_url: str | None = Field(
        None,
        description="The address people open the workspace at, used in setup links "
        "(https://evidence.example.org). Empty means http://HOST:PORT.",
    )
    secure_cookies: bool = Field(
        True,
        description="Mark session cookies Secure (sent over HTTPS only; browsers also send them "
        "to http://127.0.0.1 and localhost). Turn off only for plain-HTTP tests.",
    )
    session_hours: float = Field(
        12.0, gt=0, le=24 * 30, description="Hours a browser stays signed in without activity."
    )
    setup_link_hours: float = Field(
        24.0, gt=0, le=24 * 14, description="Hours a one-time account setup link stays valid."
    )
    login_failures: int = Field(
        5, ge=1, description="Failed sign-ins in a row after which an account is locked."
    )
    lockout_minutes: float = Field(
        15.0, ge=0, description="Minutes a locked account stays locked (an admin can unlock it)."
    )
    login_failures_per_address: int = Field(
        30,
        ge=1,
        description="Failed sign-ins from one network address within LOCKOUT_MINUTES after which "
        "that address is throttled: it may no longer try names that failed since their last "
        "sign-in (slows guessing across many account names; others still sign in from it).",
    )
    upload_max_bytes: int = Field(
        4 * 1024**3,
        ge=1,
        description="Largest file the web workspace accepts in one upload, in bytes (4 GiB).",
    )
    web_workers: int = Field(
        0,
        ge=0,
        description="Processes `gavah serve` answers requests with; 0 means one per CPU core.",
    )
    linkage_workers: int = Field(
        0,
        ge=0,
        description="Processes `gavah victims link` compares names in on registers of 20,000 "
        "records or more; 0 means one per CPU core, 1 compares them in the linking process "
        "alone. The pairs and scores are the same with any number.",
    )
    upload_keep_days: int = Field(
        7,
        ge=1,
        description="Days an unfinished web upload may rest without a new byte before it is "
        "swept away (at `gavah serve` start and by `gavah uploads sweep`), a custody event.",
    )
    bundle_keep_days: int = Field(
        30,
        ge=1,
        description="Days the pieces held for a sealed bundle that is not complete are kept "
        "after the last of them arrived; `gavah bundle sweep` then removes them, one custody "
        "event per bundle. Pieces smuggled out of a blackout can take weeks: keep it long.",
    )
    # Behind a reverse proxy every browser arrives from the proxy's address (issue 13).
    trusted_proxies: str | None = Field(
        None,
        description="Reverse proxies in front of `gavah serve`, by address or network, "
        "comma-separated (127.0.0.1, 10.0.0.0/8). Only requests from these may say, in "
        "X-Forwarded-For and X-Forwarded-Proto, which address and scheme the browser used; "
        "sign-in throttling counts per that address. Empty: no proxy is believed.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str | None) -> str | None:
        for item in filter(None, (part.strip() for part in (value or "").split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network (CIDR); name each proxy, "
                    "'*' would let any client claim any address"
                ) from None
        return value

    # Import limits: a list, a sanctions file or an FtM file comes from outside and may be built
    # to exhaust memory or time (docs/security.md). Each importer refuses what exceeds them.
    import_max_bytes: int = Field(
        512 * 1024**2,
        ge=1,
        description="Largest file an import reads (victim lists, sanctions lists, FtM files), "
        "in bytes (512 MiB); for a folder list, all its files together.",
    )
    import_max_unpacked_bytes: int = Field(
        256 * 1024**2,
        ge=1,
        description="Largest size an XLSX workbook declares for its unpacked parts together, "
        "in bytes (256 MiB), checked before it is opened: a small compressed file can unpack "
        "to gigabytes.",
    )
    import_max_rows: int = Field(
        1_000_000,
        ge=1,
        description="Most rows an import reads: lines of a CSV, rows of a sheet (counting empty "
        "ones), records of JSON, YAML or text blocks, files of a folder, entries of a sanctions "
        "list, lines of an FtM file.",
    )
    import_max_columns: int = Field(
        1_000,
        ge=1,
        description="Most columns an import reads: header cells of a CSV or sheet, distinct "
        "fields of JSON, YAML or text records.",
    )

    # Web archives at intake (WACZ, WARC; docs/intake.md): the archive is always kept whole; these
    # bound only what is read out of it, so a hostile archive cannot exhaust disk or memory.
    archive_max_unpacked_bytes: int = Field(
        16 * 1024**3,
        ge=1,
        description="Most bytes a web archive (WACZ or WARC) is unpacked to when its pages and "
        "media are read out, in bytes (16 GiB): the sizes a WACZ declares, and what its WARC "
        "data and the records in it unpack to, each counted as it is read (zip and gzip bombs).",
    )
    archive_max_record_bytes: int = Field(
        4 * 1024**3,
        ge=1,
        description="Largest page or media record read out of a web archive, in bytes (4 GiB); "
        "a larger one stays inside the archive (kept whole) and is named in its metadata.",
    )
    archive_max_records: int = Field(
        1_000_000,
        ge=1,
        description="Most WARC records a web archive's file is read for; the rest stay inside "
        "the archive (kept whole).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def config_path(self) -> Path:
        return self.workspace / CONFIG_FILENAME

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.workspace / 'gavah.sqlite3').resolve()}"

    @property
    def resolved_store(self) -> str:
        return self.store or str((self.workspace / "blobs").resolve())

    @property
    def resolved_base_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def uploads_dir(self) -> Path:
        """Resumable uploads in progress, one folder per account (tus files and their state)."""
        return self.workspace / "uploads"

    @property
    def signing_key_path(self) -> Path:
        return self.signing_key or self.workspace / "keys" / "log-signing.pem"

    @property
    def accounts_key_path(self) -> Path:
        """Seals TOTP secrets and keys sign-in name digests (gavah.accounts.keys): made by the
        first start, kept with the workspace's other keys, backed up with them."""
        return self.workspace / "keys" / "accounts.key"

    @property
    def bundle_key_path(self) -> Path:
        """The age identity that opens sealed bundles (gavah.bundles): not the log's signing key,
        made by `gavah bundle keygen`, kept and backed up with the workspace's other keys."""
        return self.workspace / "keys" / "bundle-opening.age"

    @property
    def bundles_dir(self) -> Path:
        """Where a bundle being opened is decrypted and checked, inside the private workspace."""
        return self.workspace / "bundles"


def resolve_workspace(workspace: Path | None = None) -> Path:
    """The workspace folder: the explicit one, else $GAVAH_WORKSPACE, else ./gavah-data."""
    if workspace is not None:
        return workspace
    return Path(os.environ.get("GAVAH_WORKSPACE") or DEFAULT_WORKSPACE)


def load_settings(workspace: Path | None = None, **overrides: Any) -> Settings:
    """Read settings for a workspace: overrides, then environment, then WORKSPACE/gavah.toml."""
    ws = resolve_workspace(workspace)
    toml_file = ws / CONFIG_FILENAME

    class _Bound(Settings):
        model_config = SettingsConfigDict(toml_file=toml_file if toml_file.is_file() else None)

    values = {k: v for k, v in overrides.items() if v is not None}
    try:
        return _Bound(workspace=ws, **values)
    except ValidationError as exc:
        raise ConfigError(
            f"invalid settings: {_describe(exc)}",
            hint=f"check the GAVAH_* environment variables and {toml_file}; "
            "every setting is listed in docs/settings.md",
        ) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed gavah.toml
        raise ConfigError(f"cannot read {toml_file}: {exc}") from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "?"
        parts.append(f"{field}: {err['msg']}")
    return "; ".join(parts)


def settings_markdown() -> str:
    """The table in docs/settings.md, generated from the declarations above."""
    lines = [
        "| setting | environment variable | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = "(computed)"
        elif field.default is None:
            default = "(empty)"
        else:
            default = f"`{field.default}`"
        env = f"`GAVAH_{name.upper()}`"
        lines.append(f"| `{name}` | {env} | {default} | {field.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(settings_markdown())
