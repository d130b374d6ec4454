"""Check the custody reports in a gavah court bag with nothing but Python 3 and `cryptography`.

This file is copied, unchanged, into every bag (data/log/check_proofs.py) and imports nothing of
gavah's, so that a court's expert can read all of it and run it without installing gavah:

    python3 data/log/check_proofs.py BAG_FOLDER

For every data/items/*/custody-report.json it checks, and prints, step by step:
1. the signed checkpoint (data/log/checkpoint.txt) carries a valid Ed25519 signature by the key
   in data/log/public-key.txt (C2SP signed-note; the key's 4-byte id is SHA-256(name, 0x0A,
   0x01, key)[:4]);
2. every event's entry is included in the log under that checkpoint's root hash (RFC 6962 /
   RFC 9162 2.1.3.2: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right));
3. every entry names the item's SHA-256, and the original file in the bag has that SHA-256.
It exits 0 if all hold, 1 at the first that does not (saying which). The public key must be
compared with one obtained from the workspace's owner through a channel you trust: a key found
in the same folder as what it signs proves only that nothing changed since it was signed by
whoever holds that key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Failed(Exception):
    pass


def read_key(text: str) -> tuple[str, bytes, bytes]:
    name, key_id, b64 = text.strip().split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise Failed("the public key is not an Ed25519 signed-note key")
    expected = hashlib.sha256(name.encode() + b"\n" + raw[:1] + raw[1:]).digest()[:4]
    if expected.hex() != key_id.lower():
        raise Failed("the public key's id does not match its name and bytes")
    return name, expected, raw[1:]


def open_checkpoint(note: str, key_text: str) -> tuple[str, int, bytes]:
    name, key_id, public = read_key(key_text)
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    for line in signatures.strip("\n").split("\n"):
        if not line.startswith("\u2014 " + name + " "):
            continue
        sig = base64.b64decode(line.rsplit(" ", 1)[1], validate=True)
        if sig[:4] != key_id:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(sig[4:], text.encode())
        except InvalidSignature:
            raise Failed("the checkpoint's signature does not verify: it was altered") from None
        origin, size, root = text.split("\n")[:3]
        return origin, int(size), base64.b64decode(root, validate=True)
    raise Failed(f"the checkpoint carries no signature by key {name}")


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def included(entry: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, hashlib.sha256(b"\x00" + entry).digest()
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def check(bag: Path) -> list[str]:
    data = bag / "data"
    note = (data / "log" / "checkpoint.txt").read_text(encoding="utf-8")
    key = (data / "log" / "public-key.txt").read_text(encoding="utf-8")
    origin, size, root = open_checkpoint(note, key)
    said = [f"checkpoint of log {origin}, size {size}: signature verified with the bag's key"]
    reports = sorted((data / "items").glob("*/custody-report.json"))
    if not reports:
        raise Failed("no custody report in the bag")
    for path in reports:
        report = json.loads(path.read_text(encoding="utf-8"))
        if report.get("checkpoint") != note:
            raise Failed(f"{path}: made under another checkpoint than data/log/checkpoint.txt")
        sha = report["evidence"]["sha256"]
        for event in report["events"]:
            entry = event["entry"].encode("utf-8")
            proof = [base64.b64decode(h, validate=True) for h in event["inclusion_path"]]
            if not included(entry, event["leaf_index"], size, proof, root):
                raise Failed(f"{path}: entry {event['leaf_index']} is not in the log")
            if json.loads(entry).get("evidence", {}).get("sha256") != sha:
                raise Failed(f"{path}: entry {event['leaf_index']} concerns another item")
        originals = [p for p in (path.parent / "original").iterdir() if p.is_file()]
        if len(originals) != 1 or sha256_file(originals[0]) != sha:
            raise Failed(f"{path.parent / 'original'}: not the file the log names ({sha})")
        said.append(
            f"{path.parent.name}: {len(report['events'])} event(s) in the log; "
            f"{originals[0].name} has SHA-256 {sha}"
        )
    return said


def main(argv: list[str]) -> int:
    bag = Path(argv[1] if len(argv) > 1 else ".")
    try:
        for line in check(bag):
            print("OK  " + line)
    except (Failed, OSError, ValueError, KeyError, TypeError) as exc:
        print(f"FAILED: {exc}")
        return 1
    print("ALL CHECKED: compare data/log/public-key.txt with the key the workspace owner gave you")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
