"""``gavah bundle``: sealed evidence bundles that travel in pieces over any channel
(docs/bundles.md). ``seal`` needs no workspace and no network; ``open`` ingests into one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from gavah.bundles import seal as sealing
from gavah.cli._common import JSON_OPTION, err, open_vault, print_json, say, settings_from
from gavah.errors import ExitCode, InputError

app = typer.Typer(
    help="Sealed evidence bundles: encrypted, signed, cut into pieces that travel over any "
    "channel and are checked one by one on arrival.",
    no_args_is_help=True,
)

WEAK_PASSPHRASE = 20  # characters; below this the warning is louder


@contextmanager
def _seal_errors() -> Iterator[None]:
    """The field module raises its own error (it imports nothing of gavah's): shown as ours."""
    try:
        yield
    except sealing.SealError as exc:
        raise InputError(exc.message, hint=exc.hint) from None


def _read_passphrase(path: Path | None, confirm: bool) -> str:
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    else:
        text = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
    if not text:
        raise InputError("the passphrase is empty")
    return text


def _warn_passphrase(text: str) -> None:
    err.print(
        "warning: a passphrase protects the bundle only as well as it resists guessing: whoever "
        "intercepts the pieces can try guesses offline, without limit (scrypt slows each guess, "
        "it does not stop them). Use six or more random words, send the passphrase by another "
        "channel than the pieces, and prefer the organisation's public key when you have it.",
        markup=False,
    )
    if len(text) < WEAK_PASSPHRASE:
        err.print(
            f"warning: this passphrase has fewer than {WEAK_PASSPHRASE} characters", markup=False
        )


@app.command()
def seal(
    files: list[Path] = typer.Argument(..., help="The files to seal."),
    to: str | None = typer.Option(
        None,
        "--to",
        help="The organisation's age public key (age1...), from `gavah bundle keygen`.",
    ),
    passphrase: bool = typer.Option(
        False, "--passphrase", help="Seal with a passphrase instead (asked for, not echoed)."
    ),
    passphrase_file: Path | None = typer.Option(
        None, "--passphrase-file", help="Seal with the passphrase on this file's first line."
    ),
    sign: Path | None = typer.Option(
        None, "--sign", help="Sign with this field key (from `gavah bundle keygen --field`)."
    ),
    piece_size: str = typer.Option(
        "2MB", "--piece-size", help="Size of each piece, e.g. 2MB, 512KiB (at least 64KiB)."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write the pieces into."),
    note: str | None = typer.Option(None, "--note", help="A note sealed inside with the files."),
    no_times: bool = typer.Option(
        False, "--no-times", help="Leave the files' times (claimed capture times) out."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Encrypt and sign files into equal-size pieces to send over any channel.

    Needs no workspace and no network. Everything (files, names, times, the note, the signature)
    is inside the encryption; the pieces show only how many there are. Send them any way, in any
    order, more than once if a channel is unreliable: the organisation needs each piece once.
    """
    if (to is None) == (not passphrase and passphrase_file is None):
        raise InputError("give either --to RECIPIENT or --passphrase", hint="see --help")
    if to is not None:
        recipient = sealing.Recipient(public_key=to.strip())
    else:
        secret = _read_passphrase(passphrase_file, confirm=True)
        _warn_passphrase(secret)
        recipient = sealing.Recipient(passphrase=secret)
    with _seal_errors():
        key = sealing.load_field_key(sign) if sign is not None else None
        sealed = sealing.seal(
            files,
            recipient,
            out,
            key=key,
            piece_size=sealing.parse_size(piece_size),
            note=note,
            with_times=not no_times,
        )
    if as_json:
        print_json(sealed.to_dict())
        return
    say(f"bundle {sealed.bundle_id}")
    say(f"{sealed.files} file(s), {sealed.bytes} bytes, in {len(sealed.pieces)} piece(s) in {out}")
    say("signed by " + sealed.signer if sealed.signer else "not signed")


def _pieces(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for the pieces in it."""
    found: list[Path] = []
    for path in paths:
        found += sorted(path.glob("*.piece")) if path.is_dir() else [path]
    if not found:
        raise InputError("no pieces given", hint="give the .piece files or the folder they are in")
    return found


@app.command("open")
def open_(
    ctx: typer.Context,
    pieces: list[Path] = typer.Argument(..., help="Piece files, or folders of them; any order."),
    key: Path | None = typer.Option(
        None, "--key", help="An age identity file (default: the workspace's bundle-opening key)."
    ),
    passphrase: bool = typer.Option(
        False, "--passphrase", help="The bundle was sealed with a passphrase (asked for)."
    ),
    passphrase_file: Path | None = typer.Option(
        None, "--passphrase-file", help="... on this file's first line."
    ),
    bundle: str | None = typer.Option(
        None, "--bundle", help="Open this bundle (id or prefix) when pieces of several are given."
    ),
    signer: list[str] = typer.Option(
        [], "--signer", help="Require this field signer (64 hex digits); may repeat."
    ),
    collection: str | None = typer.Option(
        None, "--collection", "-c", help="Collection to file the items under."
    ),
    source: str | None = typer.Option(
        None, "--source", "-s", help="Where the material came from (default: the bundle)."
    ),
    note: str | None = typer.Option(
        None, "--note", "-n", help="A note kept with this acquisition."
    ),
    payload: Path | None = typer.Option(
        None,
        "--payload",
        help="Only write the checked age payload to this file (no workspace, "
        "no key): `age -d` opens it, `tar -x` unpacks what it holds.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check pieces, and once a bundle is complete, decrypt, verify and ingest it.

    Each piece is checked alone before anything is decrypted; missing and damaged pieces are
    named, and nothing is ingested until every piece is there and sound (exit code 5). The files
    are ingested as `gavah ingest` does, with a custody event naming the bundle, its field
    signer, each piece's arrival and the claimed capture times. Sound pieces are kept in the
    workspace until their bundle opens, so pieces can be given as they come, run after run.
    Opening a bundle again changes nothing."""
    from gavah.bundles import ingest as receiving
    from gavah.bundles.open import BundleIncomplete, Key, choose, gather

    chosen = choose(gather(_pieces(pieces)), bundle)
    if payload is not None:  # no workspace: only the pieces given
        if not chosen.complete:
            _refuse(chosen, as_json)
        _write_payload(chosen, payload, as_json)
        return
    vault = open_vault(ctx)
    chosen = receiving.hold(vault, chosen, collection)  # with the pieces that came before
    if not chosen.complete:
        _refuse(chosen, as_json)
    if passphrase or passphrase_file is not None:
        opener = Key(passphrase=_read_passphrase(passphrase_file, confirm=False))
    else:
        opener = Key(identity=receiving.identity_text(key or vault.ws.settings.bundle_key_path))
    try:
        opened = receiving.open_bundle(
            vault, chosen, opener, collection=collection, source=source, note=note, signers=signer
        )
    except BundleIncomplete:  # a piece changed between the check and the read
        _refuse(chosen, as_json)
        return
    report = {**chosen.report(), **opened.to_dict()}
    if as_json:
        print_json(report)
        return
    for d in chosen.damaged:
        say(f"warning: {d.path.name}: {d.reason} (a sound copy arrived)")
    if opened.already:
        say(
            f"bundle {opened.bundle_id[:16]} was opened before (log entry {opened.log_index}): nothing changed"
        )
    for item in opened.items:
        say(f"{item['id']} {item['sha256'][:16]} {item['name']}")
    say(
        f"bundle {opened.bundle_id[:16]}: {len(opened.items)} file(s), "
        + (f"signed by {opened.signer[:16]}" if opened.signer else "not signed")
    )


def _write_payload(chosen: object, path: Path, as_json: bool) -> None:
    from gavah.bundles.open import Assembly

    assert isinstance(chosen, Assembly)
    try:
        with path.open("xb") as f:
            for block in chosen.payload():
                f.write(block)
    except FileExistsError:
        raise InputError(f"{path} exists; it is not overwritten") from None
    if as_json:
        print_json({**chosen.report(), "payload": str(path)})
    else:
        say(f"bundle {chosen.bundle_id[:16]}: age payload of {chosen.length} bytes in {path}")


def _refuse(chosen: object, as_json: bool) -> None:
    from gavah.bundles.open import Assembly, refuse_unless_complete

    assert isinstance(chosen, Assembly)
    if as_json:
        print_json({**chosen.report(), "opened": False})
        raise typer.Exit(ExitCode.INTEGRITY)
    refuse_unless_complete(chosen)


@app.command()
def sweep(
    ctx: typer.Context,
    older_than: int | None = typer.Option(
        None,
        "--older-than",
        min=1,
        help="Sweep bundles no piece reached for this many days (default: the bundle_keep_days "
        "setting, 30).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove the pieces held for bundles that never completed, one custody event each.

    Sound pieces of a bundle that is not complete are held in the workspace (from `gavah bundle
    open` and web uploads) until the rest arrive. A bundle whose last piece came longer ago than
    the set number of days is removed; its `bundle.swept` custody event names its id, collection
    and how many of its pieces were held, nothing of what is inside (it was never decrypted).
    Run it from cron, say; a piece that arrives later starts the bundle afresh."""
    from gavah.bundles import ingest as receiving

    vault = open_vault(ctx)
    swept = receiving.sweep(vault, older_than or vault.ws.settings.bundle_keep_days)
    if as_json:
        print_json(swept.to_dict())
        return
    if not swept.bundles:
        say(f"no bundle held longer than {swept.keep_days} day(s) without a new piece")
        return
    for b in swept.bundles:
        of = f" of {b['pieces']}" if b["pieces"] else ""
        say(
            f"swept bundle {b['id'][:16]}: {b['held']}{of} piece(s) held, the last from "
            f"{b['last_arrival']} (log entry {b['log_index']})"
        )


@app.command("field-page")
def field_page(
    to: str = typer.Option(..., "--to", help="The organisation's age public key (age1...)."),
    out: Path = typer.Option(..., "--out", "-o", help="The HTML file to write."),
    piece_size: str = typer.Option(
        "2MB", "--piece-size", help="Size of each piece the page makes."
    ),
) -> None:
    """Write the offline field page: one HTML file that seals files in a browser.

    Publish it (a person saves it on a phone once). It works with no network at all: it
    encrypts to the recipient written into it, signs with a key it makes on that device, and
    offers the pieces for sharing through any app. Nothing in it loads from anywhere."""
    from gavah.bundles.page import field_page as make

    with _seal_errors():
        size = sealing.parse_size(piece_size)
    page = make(to, size)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: cannot write: {exc.strerror}") from None
    say(f"field page for {to.strip()} written to {out}")


@app.command()
def keygen(
    ctx: typer.Context,
    field: bool = typer.Option(
        False, "--field", help="Make a field signing key (Ed25519) instead."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write the field key."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Make the workspace's bundle-opening key and print its public recipient, or (--field) a
    field signing key.

    The bundle-opening key is separate from the log's signing key and lives beside it in the
    workspace's keys folder (mode 0600); back it up with them. Run again, it prints the
    recipient of the key already there. The recipient is what the field needs (`--to`)."""
    if field:
        _field_key(out, as_json)
        return
    from gavah.bundles.ingest import make_key

    settings = settings_from(ctx)
    open_vault(ctx)  # the workspace must exist (and is made private)
    public = make_key(settings)
    if as_json:
        print_json({"recipient": public, "key": str(settings.bundle_key_path)})
    else:
        say(public)


def _field_key(out: Path | None, as_json: bool) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if out is None:
        raise InputError("give --out FILE for the field key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{out} exists; it is not overwritten") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public = sealing.public_key_text(key)
    if as_json:
        print_json({"signer": public, "key": str(out)})
    else:
        say(public)
