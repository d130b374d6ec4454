"""Sealed evidence bundles (issue 17; docs/bundles.md): pieces that arrive shuffled, twice,
damaged or not at all are named; nothing is ingested until a bundle is complete and sound; what
opens goes in as `gavah ingest` puts it, once. All files here are synthetic (random bytes)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from gavah.bundles import seal as fmt
from gavah.bundles.ingest import (
    BUNDLE_SWEPT,
    already_opened,
    held_folder,
    hold,
    identity_text,
    make_key,
    open_bundle,
    sweep,
)
from gavah.bundles.open import (
    BUNDLE_OPENED,
    BundleIncomplete,
    Damaged,
    Key,
    Piece,
    check_piece,
    choose,
    gather,
)
from gavah.db import models
from gavah.errors import IntegrityError
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from synthetic_files import random_files

PIECE = fmt.MIN_PIECE  # 64 KiB pieces: a few hundred KB of files make several


_files = random_files


def _counts(vault: Vault) -> tuple[int, int, int]:
    with vault.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(models.Evidence)) or 0,
            session.scalar(select(func.count()).select_from(models.BundleOpening)) or 0,
            session.scalar(select(func.count()).select_from(models.CustodyEvent)) or 0,
        )


@pytest.fixture
def org_key(vault: Vault) -> Key:
    make_key(vault.ws.settings)
    return Key(identity=identity_text(vault.ws.settings.bundle_key_path))


@pytest.fixture
def field_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _seal(
    vault: Vault, tmp_path: Path, key: Ed25519PrivateKey | None, sizes: list[int]
) -> fmt.Sealed:
    recipient = fmt.Recipient(public_key=make_key(vault.ws.settings))
    files = _files(tmp_path / "field", sizes)
    return fmt.seal(files, recipient, tmp_path / "out", key=key, piece_size=PIECE, note="synthetic")


def test_shuffled_duplicated_corrupted_missing_refused_then_opened(
    vault: Vault, org_key: Key, field_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    sealed = _seal(vault, tmp_path, field_key, [150_000, 90_000, 0, 7])
    assert len(sealed.pieces) >= 4
    assert {p.stat().st_size for p in sealed.pieces} == {PIECE}  # equal size, padded
    arrived = tmp_path / "arrived"
    arrived.mkdir()
    lost, broken = sealed.pieces[1], sealed.pieces[2]
    corrupted = arrived / ("copy-of-" + broken.name)
    data = bytearray(broken.read_bytes())
    data[fmt.HEADER + 1234] ^= 0x01
    corrupted.write_bytes(bytes(data))
    given = [shutil.copy(p, arrived / p.name) for p in sealed.pieces if p not in (lost, broken)]
    given += [shutil.copy(sealed.pieces[0], arrived / "again.piece"), corrupted]  # a duplicate
    random.Random(3).shuffle(given)
    before = _counts(vault)

    bundle = choose(gather([Path(p) for p in given]), None)
    assert bundle.missing == [2, 3]  # piece 3's only copy is damaged
    assert [(d.path.name, d.index) for d in bundle.damaged] == [(corrupted.name, 2)]
    with pytest.raises(BundleIncomplete) as refused:
        open_bundle(vault, bundle, org_key)
    assert "missing piece(s) 2, 3 of" in refused.value.message
    assert corrupted.name in refused.value.message
    assert _counts(vault) == before  # nothing ingested, nothing logged

    given += [shutil.copy(lost, arrived / lost.name), shutil.copy(broken, arrived / broken.name)]
    bundle = choose(gather([Path(p) for p in given]), None)
    assert bundle.complete and len(bundle.damaged) == 1
    opened = open_bundle(vault, bundle, org_key, collection="field")
    assert opened.signer == fmt.public_key_text(field_key) and not opened.already
    originals = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "field").iterdir()
    }
    assert {i["name"]: i["sha256"] for i in opened.items} == originals
    assert all(i["captured_at"] for i in opened.items)

    evidence, openings, events = _counts(vault)
    assert (evidence, openings) == (4, 1)
    with vault.db.read() as session:
        row = session.execute(
            select(models.CustodyEvent).where(models.CustodyEvent.kind == BUNDLE_OPENED)
        ).scalar_one()
        event = json.loads(row.entry)
        acquisition = session.execute(select(models.Acquisition)).scalars().first()
    assert event["bundle"]["id"] == sealed.bundle_id
    assert event["bundle"]["signer"] == opened.signer
    assert [a["piece"] for a in event["bundle"]["arrivals"]] == list(range(1, bundle.count + 1))
    assert {a["by"] for a in event["bundle"]["arrivals"]} == {vault.actor}
    assert {a["file"] for a in event["bundle"]["arrivals"]} <= {Path(p).name for p in given}
    assert {i["captured_at"] for i in event["items"]} == {i["captured_at"] for i in opened.items}
    assert (
        acquisition is not None and acquisition.source == f"sealed bundle {sealed.bundle_id[:16]}"
    )
    assert verify_workspace(vault).ok

    again = open_bundle(vault, choose(gather(sealed.pieces), None), org_key, collection="field")
    assert again.already and again.items == opened.items
    assert _counts(vault) == (evidence, openings, events)  # opening twice changes nothing


def test_one_changed_byte_anywhere_in_a_piece_is_detected(
    vault: Vault, field_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    sealed = _seal(vault, tmp_path, field_key, [70_000])
    last = sealed.pieces[-1]  # it has padding too
    original = last.read_bytes()
    assert isinstance(check_piece(last), Piece)
    positions = list(range(fmt.HEADER)) + list(range(fmt.HEADER, len(original), 509))
    positions.append(len(original) - 1)  # the last byte of the padding
    probe = tmp_path / "probe.piece"
    for pos in positions:
        changed = bytearray(original)
        changed[pos] ^= 0x80
        probe.write_bytes(bytes(changed))
        assert isinstance(check_piece(probe), Damaged), f"byte {pos} changed unnoticed"
    probe.write_bytes(original + b"\0")
    assert isinstance(check_piece(probe), Damaged)
    probe.write_bytes(original[:-1])
    assert isinstance(check_piece(probe), Damaged)


def _age_tool() -> str:
    """Debian's `age`: .ci/run installs it, so in CI its absence fails rather than skips."""
    age = shutil.which("age")
    if age is None:
        if os.environ.get("CI"):
            pytest.fail("the age command-line tool is missing (.ci/run installs it)")
        pytest.skip("the age command-line tool is not installed (apt-get install age)")
    return age


def _frame(payload: bytes, out: Path, body: int) -> list[Path]:
    """Pieces made from an age payload by following docs/bundles.md §4 alone."""
    count = -(-len(payload) // body)
    bodies = [payload[i * body : (i + 1) * body].ljust(body, b"\0") for i in range(count)]
    leaves = [
        fmt.leaf_hash(fmt.leaf_data(i, count, body, len(payload), hashlib.sha256(b).digest()))
        for i, b in enumerate(bodies)
    ]
    root = fmt.merkle_root(leaves)
    out.mkdir()
    paths = []
    for i, b in enumerate(bodies):
        header = fmt.piece_header(
            root, i, count, body, len(payload), fmt.inclusion_proof(i, leaves)
        )
        paths.append(out / f"p{i}.piece")
        paths[-1].write_bytes(header + b)
    return paths


def _tar(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("tamper", ["content", "signature", "extra-member", "other-signer"])
def test_nothing_is_ingested_from_a_tampered_bundle(
    vault: Vault, org_key: Key, field_key: Ed25519PrivateKey, tmp_path: Path, tamper: str
) -> None:
    """Sound pieces around an archive whose inside does not hold together: refused whole."""
    content = b"synthetic evidence\n"
    listing = {
        "member": "files/000001",
        "name": "a.txt",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    manifest = fmt.manifest_bytes({"sealed_at": "2026-01-09T00:00:00Z"}, [listing], field_key)
    signature = field_key.sign(fmt.SIGNATURE_CONTEXT + manifest)
    members = [("files/000001", content), ("manifest.json", manifest), ("manifest.sig", signature)]
    signers: list[str] = []
    if tamper == "content":
        members[0] = ("files/000001", b"synthetic evidencE\n")
    elif tamper == "signature":
        members[2] = (
            "manifest.sig",
            Ed25519PrivateKey.generate().sign(fmt.SIGNATURE_CONTEXT + manifest),
        )
    elif tamper == "extra-member":
        members.append(("../escape", b"x"))
    else:
        signers = [fmt.public_key_text(Ed25519PrivateKey.generate())]
    recipient = pyrage.x25519.Recipient.from_str(make_key(vault.ws.settings))
    pieces = _frame(pyrage.encrypt(_tar(members), [recipient]), tmp_path / "p", 100_000)
    bundle = choose(gather(pieces), None)
    assert bundle.complete and not bundle.damaged
    before = _counts(vault)
    with pytest.raises(IntegrityError):
        open_bundle(vault, bundle, org_key, signers=signers)
    assert _counts(vault) == before
    assert already_opened(vault, bundle.bundle_id, None) is None
    assert not any(vault.ws.settings.bundles_dir.iterdir())  # nothing decrypted is left behind


def test_a_bundle_for_another_key_is_refused(vault: Vault, tmp_path: Path) -> None:
    other = pyrage.x25519.Identity.generate()
    sealed = fmt.seal(
        _files(tmp_path / "f", [1000]),
        fmt.Recipient(public_key=str(other.to_public())),
        tmp_path / "out",
        piece_size=PIECE,
    )
    make_key(vault.ws.settings)
    key = Key(identity=identity_text(vault.ws.settings.bundle_key_path))
    with pytest.raises(IntegrityError, match="does not open with this key"):
        open_bundle(vault, choose(gather(sealed.pieces), None), key)
    assert _counts(vault)[0] == 0


def test_the_payload_opens_with_the_age_command_line_tool(
    vault: Vault, field_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    age = _age_tool()
    sealed = _seal(vault, tmp_path, field_key, [200_000, 5])
    payload = tmp_path / "payload.age"
    payload.write_bytes(b"".join(choose(gather(sealed.pieces), None).payload()))
    key = vault.ws.settings.bundle_key_path
    plain = subprocess.run(
        [age, "-d", "-i", str(key), str(payload)], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        for item in manifest["files"]:
            data = tar.extractfile(item["member"]).read()  # type: ignore[union-attr]
            assert hashlib.sha256(data).hexdigest() == item["sha256"]
            assert data == (tmp_path / "field" / item["name"]).read_bytes()
    assert manifest["signer"] == fmt.public_key_text(field_key)


def test_age_command_line_output_framed_by_the_spec_opens(
    vault: Vault, org_key: Key, tmp_path: Path
) -> None:
    """The other way: an archive encrypted by `age` itself, framed by the spec, is ingested."""
    age = _age_tool()
    content = b"synthetic, sealed by the age CLI\n"
    listing = {
        "member": "files/000001",
        "name": "note.txt",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    manifest = fmt.manifest_bytes({}, [listing], None)
    archive = _tar([("files/000001", content), ("manifest.json", manifest)])
    recipient = make_key(vault.ws.settings)
    payload = subprocess.run(
        [age, "-r", recipient], input=archive, capture_output=True, check=True
    ).stdout
    bundle = choose(gather(_frame(payload, tmp_path / "p", 65_000)), None)
    opened = open_bundle(vault, bundle, org_key)
    assert [i["name"] for i in opened.items] == ["note.txt"] and opened.signer is None


def test_pieces_reveal_only_their_count(vault: Vault, tmp_path: Path) -> None:
    """Two bundles of different content and size that need the same number of pieces have
    pieces of the same size and the same payload length up to age's header (random grease)."""
    recipient = fmt.Recipient(public_key=make_key(vault.ws.settings))
    a = fmt.seal(_files(tmp_path / "a", [10_000]), recipient, tmp_path / "oa", piece_size=PIECE)
    b = fmt.seal(_files(tmp_path / "b", [50_000, 1]), recipient, tmp_path / "ob", piece_size=PIECE)
    assert len(a.pieces) == len(b.pieces) == 1
    la, lb = (choose(gather(s.pieces), None).length for s in (a, b))
    assert abs(la - lb) < fmt.AGE_HEADER_ROOM


def test_the_opening_key_is_its_own_private_file(vault: Vault) -> None:
    settings = vault.ws.settings
    recipient = make_key(settings)
    assert recipient.startswith("age1") and make_key(settings) == recipient  # made once
    path = settings.bundle_key_path
    assert path != settings.signing_key_path and path.stat().st_mode & 0o777 == 0o600
    assert "BEGIN PRIVATE KEY" not in path.read_text()


def test_the_command_line_seals_refuses_and_opens(cli_env: dict[str, str], tmp_path: Path) -> None:
    """`gavah bundle`: keygen, seal (no workspace needed), an incomplete open (exit 5, the
    missing piece named, nothing ingested), the payload alone, then the open and a second."""
    from gavah_cli import gavah

    assert gavah(cli_env, "init").returncode == 0
    recipient = gavah(cli_env, "bundle", "keygen").stdout.strip()
    field = gavah(
        cli_env, "bundle", "keygen", "--field", "-o", str(tmp_path / "field.pem"), "--json"
    )
    signer = json.loads(field.stdout)["signer"]
    files = _files(tmp_path / "f", [300_000, 12])
    no_workspace = {k: v for k, v in cli_env.items() if not k.startswith("GAVAH_")}
    run = gavah(
        no_workspace,
        "bundle",
        "seal",
        *map(str, files),
        "--to",
        recipient,
        "--sign",
        str(tmp_path / "field.pem"),
        "--piece-size",
        "100KB",
        "-o",
        str(tmp_path / "out"),
        "--json",
    )
    assert run.returncode == 0, run.stderr
    sealed = json.loads(run.stdout)
    pieces = sealed["pieces"]
    assert sealed["signer"] == signer and len(pieces) == 4

    run = gavah(cli_env, "bundle", "open", *pieces[1:], "--json")
    assert run.returncode == 5
    assert json.loads(run.stdout)["missing"] == [1]
    run = gavah(cli_env, "bundle", "open", *pieces[1:])
    assert "missing piece(s) 1 of 4" in run.stderr and "Traceback" not in run.stderr
    assert "0 items" in gavah(cli_env, "log", "verify").stdout

    payload = tmp_path / "payload.age"
    run = gavah(no_workspace, "bundle", "open", str(tmp_path / "out"), "--payload", str(payload))
    assert run.returncode == 0 and payload.read_bytes().startswith(b"age-encryption.org/v1\n")

    run = gavah(cli_env, "bundle", "open", str(tmp_path / "out"), "--signer", signer, "--json")
    assert run.returncode == 0, run.stderr
    opened = json.loads(run.stdout)
    assert len(opened["items"]) == 2 and not opened["already"]
    again = json.loads(gavah(cli_env, "bundle", "open", *reversed(pieces), "--json").stdout)
    assert again["already"] and again["log_index"] == opened["log_index"]


def test_a_passphrase_seals_with_a_warning_and_opens(
    vault: Vault, cli_env: dict[str, str], tmp_path: Path
) -> None:
    from gavah_cli import gavah

    secret = tmp_path / "pass.txt"
    secret.write_text("short\n")
    files = _files(tmp_path / "f", [5000])
    run = gavah(
        cli_env,
        "bundle",
        "seal",
        str(files[0]),
        "--passphrase-file",
        str(secret),
        "-o",
        str(tmp_path / "out"),
        "--json",
    )
    assert run.returncode == 0, run.stderr
    assert "guess" in run.stderr and "fewer than 20 characters" in run.stderr
    bundle = choose(gather(list((tmp_path / "out").iterdir())), None)
    with pytest.raises(IntegrityError, match="does not open"):
        open_bundle(vault, bundle, Key(passphrase="other"))
    opened = open_bundle(vault, bundle, Key(passphrase="short"))
    assert [i["name"] for i in opened.items] == [files[0].name]


def test_the_merkle_tree_is_rfc_6962_and_every_proof_verifies() -> None:
    """The tree that keeps its subtrees agrees with RFC 6962's recursive definition, written
    out here, and every proof leads back to its root, for trees of 1 to 70 leaves."""
    from gavah.bundles.open import verify_inclusion

    def reference(leaves: list[bytes]) -> bytes:
        if len(leaves) == 1:
            return leaves[0]
        k = 1
        while k * 2 < len(leaves):
            k *= 2
        return hashlib.sha256(b"\x01" + reference(leaves[:k]) + reference(leaves[k:])).digest()

    for n in range(1, 71):
        leaves = [hashlib.sha256(b"\x00" + bytes([i])).digest() for i in range(n)]
        tree = fmt.MerkleTree(leaves)
        assert tree.root() == reference(leaves)
        for i in range(n):
            assert verify_inclusion(leaves[i], i, n, tree.proof(i)) == tree.root()
        if n > 1:
            with pytest.raises(ValueError):
                verify_inclusion(leaves[0], 0, n, tree.proof(0)[:-1])


def test_large_bundles_are_hashed_on_other_cores_and_open(
    vault: Vault, org_key: Key, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over PARALLEL_FROM bytes, age runs in a child process (sealing and opening) and pieces are
    checked in several: the pieces those make are sound, and the bundle opens."""
    files = _files(tmp_path / "f", [300_000, 70_000])
    recipient = fmt.Recipient(public_key=make_key(vault.ws.settings))
    monkeypatch.setattr(fmt, "PARALLEL_FROM", 0)  # the threshold, lowered to test the path
    sealed = fmt.seal(files, recipient, tmp_path / "out", piece_size=PIECE)
    bundle = choose(gather(sealed.pieces), None)
    assert bundle.complete and not bundle.damaged
    other = Key(identity=str(pyrage.x25519.Identity.generate()))
    with pytest.raises(IntegrityError, match="does not open with this key"):
        open_bundle(vault, bundle, other)  # age's refusal, from the child, says so
    assert _counts(vault)[0] == 0 and not list(vault.ws.settings.bundles_dir.glob("*-*"))
    assert len(open_bundle(vault, bundle, org_key).items) == 2


def test_a_file_that_changes_while_sealed_in_a_child_is_refused(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file cut short while age encrypts it apart: the child is stopped and no piece is
    left behind."""
    files = _files(tmp_path / "f", [300_000])
    recipient = fmt.Recipient(public_key=make_key(vault.ws.settings))
    monkeypatch.setattr(fmt, "PARALLEL_FROM", 0)
    real = fmt._tar_header

    def shrink(name: str, size: int) -> bytes:
        if name.startswith("files/"):
            files[0].write_bytes(files[0].read_bytes()[:1000])
        return real(name, size)

    monkeypatch.setattr(fmt, "_tar_header", shrink)
    with pytest.raises(fmt.SealError, match="changed while it was being sealed"):
        fmt.seal(files, recipient, tmp_path / "out", piece_size=PIECE)
    assert not list((tmp_path / "out").iterdir())


def test_log_verify_checks_each_opening_against_its_entry(
    vault: Vault, org_key: Key, field_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    sealed = _seal(vault, tmp_path, field_key, [1000])
    open_bundle(vault, choose(gather(sealed.pieces), None), org_key, collection="field")
    assert verify_workspace(vault).ok
    with vault.db.write() as session:
        row = session.get(models.BundleOpening, (sealed.bundle_id, "field"))
        assert row is not None
        row.signer = fmt.public_key_text(Ed25519PrivateKey.generate())  # a forged signer
    report = verify_workspace(vault)
    assert not report.ok and any(p.field == "signer" for p in report.problems)
    with vault.db.write() as session:
        session.delete(session.get(models.BundleOpening, (sealed.bundle_id, "field")))
    report = verify_workspace(vault)
    assert any("its row is missing" in p.message for p in report.problems)


def test_the_field_side_imports_nothing_of_gavahs() -> None:
    """seal.py is what a field laptop runs and an auditor reads: the standard library, pyrage
    and cryptography only."""
    import ast

    tree = ast.parse(Path(fmt.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not [m for m in imported if m == "gavah" or m.startswith("gavah.")]
    assert {m.split(".")[0] for m in imported} <= {
        "__future__",
        "collections",
        "contextlib",
        "dataclasses",
        "datetime",
        "fcntl",
        "hashlib",
        "io",
        "json",
        "math",
        "os",
        "pathlib",
        "secrets",
        "subprocess",
        "sys",
        "tarfile",
        "threading",
        "typing",
        "pyrage",
        "cryptography",
    }


def test_pieces_given_run_after_run_are_held_until_the_bundle_opens(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Pieces that arrive days apart: each `gavah bundle open` keeps the sound ones, names
    what is still missing, and the run that brings the last piece opens the bundle."""
    from gavah_cli import gavah

    assert gavah(cli_env, "init").returncode == 0
    recipient = gavah(cli_env, "bundle", "keygen").stdout.strip()
    files = _files(tmp_path / "f", [200_000])
    run = gavah(
        cli_env,
        "bundle",
        "seal",
        str(files[0]),
        "--to",
        recipient,
        "--piece-size",
        "100KB",
        "-o",
        str(tmp_path / "out"),
        "--json",
    )
    pieces = json.loads(run.stdout)["pieces"]
    assert len(pieces) == 3
    first = json.loads(gavah(cli_env, "bundle", "open", pieces[0], "--json").stdout)
    assert first["missing"] == [2, 3]
    second = json.loads(gavah(cli_env, "bundle", "open", pieces[2], "--json").stdout)
    assert second["missing"] == [2] and second["received"] == 2
    opened = gavah(cli_env, "bundle", "open", pieces[1], "--json")
    assert opened.returncode == 0, opened.stderr
    assert [i["name"] for i in json.loads(opened.stdout)["items"]] == [files[0].name]
    held = Path(cli_env["GAVAH_WORKSPACE"]) / "bundles" / "pieces"
    assert not list(held.rglob("*.piece"))  # released once opened


def test_a_bundle_is_opened_once_per_collection_and_says_nothing_of_others(
    vault: Vault, org_key: Key, field_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    """Opened into one collection, the same bundle opened into another is ingested there (as
    its own acquisitions), not answered with the first collection's items; into the first
    again, it changes nothing."""
    sealed = _seal(vault, tmp_path, field_key, [4000])
    bundle = choose(gather(sealed.pieces), None)
    first = open_bundle(vault, bundle, org_key, collection="alpha")
    other = open_bundle(vault, choose(gather(sealed.pieces), None), org_key, collection="beta")
    assert not other.already and other.log_index != first.log_index
    assert [i["sha256"] for i in other.items] == [i["sha256"] for i in first.items]
    counts = _counts(vault)
    again = open_bundle(vault, choose(gather(sealed.pieces), None), org_key, collection="alpha")
    assert again.already and again.log_index == first.log_index and _counts(vault) == counts
    assert verify_workspace(vault).ok


def _age_folder(folder: Path, days: float) -> None:
    """Make everything held in ``folder`` look ``days`` old."""
    then = time.time() - days * 86400
    for path in folder.iterdir():
        os.utime(path, (then, then))


def test_bundles_that_never_complete_are_swept_one_event_each(vault: Vault, tmp_path: Path) -> None:
    """Pieces held longer than the setting without a new one are removed after one
    `bundle.swept` event each (its id, collection and pieces held, nothing inside); a bundle
    still receiving pieces, and one of another collection that is fresh, stay."""
    recipient = fmt.Recipient(public_key=make_key(vault.ws.settings))
    files = _files(tmp_path / "f", [300_000])
    old = fmt.seal(files, recipient, tmp_path / "old", piece_size=PIECE)
    fresh = fmt.seal(files, recipient, tmp_path / "fresh", piece_size=PIECE)
    hold(vault, choose(gather(old.pieces[:2]), None), "field")
    hold(vault, choose(gather(fresh.pieces[1:3]), None), "other")
    stale = held_folder(vault.ws.settings, old.bundle_id, "field")
    _age_folder(stale, days=31)
    _age_folder(held_folder(vault.ws.settings, fresh.bundle_id, "other"), days=29)
    events = _counts(vault)[2]
    assert vault.ws.settings.bundle_keep_days == 30

    swept = sweep(vault, vault.ws.settings.bundle_keep_days)
    assert [b["id"] for b in swept.bundles] == [old.bundle_id]
    assert not stale.exists() and not stale.parent.exists()  # the scope went with its last bundle
    assert held_folder(vault.ws.settings, fresh.bundle_id, "other").exists()
    assert _counts(vault)[2] == events + 1
    with vault.db.read() as session:
        row = session.execute(
            select(models.CustodyEvent).where(models.CustodyEvent.kind == BUNDLE_SWEPT)
        ).scalar_one()
        event = json.loads(row.entry)
    assert event["keep_days"] == 30 and event["actor"] == vault.actor
    assert set(event["bundle"]) == {"id", "collection", "held", "pieces", "last_arrival"}
    assert event["bundle"]["held"] == 2 and event["bundle"]["pieces"] == len(old.pieces)
    assert event["bundle"]["collection"] == "field" and event["bundle"]["id"] == old.bundle_id
    assert verify_workspace(vault).ok
    assert sweep(vault, 30).bundles == []  # nothing left that old
    # A piece of the swept bundle that arrives later starts it afresh.
    assert len(hold(vault, choose(gather(old.pieces[2:3]), None), "field").pieces) == 1


def test_bundle_sweep_on_the_command_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    from gavah_cli import gavah

    assert gavah(cli_env, "init").returncode == 0
    recipient = gavah(cli_env, "bundle", "keygen").stdout.strip()
    files = _files(tmp_path / "f", [200_000])
    sealed = fmt.seal(
        files, fmt.Recipient(public_key=recipient), tmp_path / "out", piece_size=PIECE
    )
    given = gavah(cli_env, "bundle", "open", str(sealed.pieces[0]), "--collection", "field")
    assert given.returncode == 5
    none = gavah(cli_env, "bundle", "sweep", "--json")
    assert none.returncode == 0 and json.loads(none.stdout)["swept"] == 0
    pieces = Path(cli_env["GAVAH_WORKSPACE"]) / "bundles" / "pieces"
    held = next(p for p in pieces.glob("*/*") if p.is_dir())  # (beside it: collection.txt)
    _age_folder(held, days=3)
    run = gavah(cli_env, "bundle", "sweep", "--older-than", "2", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["keep_days"] == 2 and report["swept"] == 1
    assert report["bundles"][0]["id"] == sealed.bundle_id and report["bundles"][0]["held"] == 1
    assert not held.exists()
