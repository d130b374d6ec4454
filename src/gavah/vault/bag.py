"""Court bags: items exported as one BagIt bag (RFC 8493) that a court's own tools validate.

``gavah export ITEM... --bag OUT/`` writes, under OUT/data/:

    README.txt                         how to verify, in English and Persian, without gavah
    items/<id>/original/<file name>    the original bytes, unchanged
    items/<id>/custody-report.json     every custody event of the item the caller may see, each
                                       with its RFC 6962 inclusion proof (gavah verify-proof reads it)
    items/<id>/custody-report.txt      the same for people
    log/checkpoint.txt                 the signed checkpoint every proof leads to
    log/public-key.txt                 the log's Ed25519 verifier key (signed-note form)
    log/check_proofs.py                a checker that needs only Python and `cryptography`

and the bagit library adds the SHA-256 and SHA-512 manifests, bagit.txt and bag-info.txt.

The export is a custody event: one ``evidence.exported`` per item, appended and covered by a new
signed checkpoint before the reports are made, so each report proves its own export. It is logged
first, in a transaction of its own, as every export is: the bag is then written from one read
snapshot, so that copying and hashing gigabytes of originals never holds the database's write
lock (every page view waits on it). A bag that cannot be written leaves no folder behind; its
logged export stays, as the record of an attempt. Need-to-know: the caller passes ``access``,
which resolves each item as that caller may see it (not visible: NotFound, whatever the reason)
and says which of its entries and collections they may see; an original is named as the first
of those collections received it; the command line acts as the workspace's operator, who sees
all.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah import __version__
from gavah.custody.entry import EventKind
from gavah.custody.log import Appender, utcnow
from gavah.db import models
from gavah.errors import InputError, StoreError
from gavah.vault import Vault
from gavah.vault.export import (
    Keep,
    _copy_blob,
    _custody_report,
    render_report,
    safe_filename,
)

Access = Callable[[Session, str], tuple[models.Evidence, Keep | None, list[str] | None]]
"""``(session, ref) -> (item, which entries to keep, collections shown)`` for one caller."""

_CHECKER = Path(__file__).with_name("check_proofs.py")


def operator_access(vault: Vault) -> Access:
    """The workspace's operator at the command line: every item, every entry."""
    return lambda session, ref: (vault.resolve(session, ref), None, None)


@dataclass(frozen=True)
class Bagged:
    path: Path
    items: list[dict[str, Any]]
    checkpoint_size: int


def export_bag(
    vault: Vault,
    refs: Sequence[str],
    dest: Path,
    *,
    access: Access | None = None,
    via: str = "gavah export --bag",
) -> Bagged:
    """Write ``refs`` as one validated BagIt bag at ``dest`` (new, or an empty folder)."""
    import bagit

    if not refs:
        raise InputError("name at least one item to export")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InputError(f"{dest} exists and is not an empty folder", hint="choose a new folder")
    access = access or operator_access(vault)
    made = not dest.exists()
    try:
        with vault.db.write() as session:
            chosen: dict[str, _Chosen] = {}
            appender = Appender(session)
            for ref in refs:
                ev, keep, shown = access(session, ref)
                if ev.id in chosen:
                    continue
                chosen[ev.id] = _Chosen(ev.id, keep, shown)
                detail: dict[str, Any] = {
                    "via": via,
                    "destination": os.path.abspath(dest),
                    "bag": True,
                }
                if shown is not None:
                    detail["collections"] = shown
                event = {
                    "actor": vault.actor,
                    "evidence": {"id": ev.id, "sha256": ev.sha256},
                    "detail": detail,
                }
                appender.append(EventKind.EXPORT, ev.id, utcnow(), event)
            vault.finish(session, appender)
        with vault.db.read() as session:
            _, note = vault.log.latest_checkpoint(session)
            items = _write_payload(vault, session, chosen, dest)
            (dest / "log").mkdir()
            (dest / "log" / "checkpoint.txt").write_text(note, encoding="utf-8")
            key = vault.log.verifier.to_text()
            (dest / "log" / "public-key.txt").write_text(key + "\n", encoding="utf-8")
            shutil.copyfile(_CHECKER, dest / "log" / "check_proofs.py")
            (dest / "README.txt").write_text(readme(key, items), encoding="utf-8")
            bag = bagit.make_bag(
                str(dest),
                {
                    "Source-Organization": vault.log.origin,
                    "External-Description": "Evidence items with their custody reports, "
                    "inclusion proofs, signed checkpoint and log key; see data/README.txt",
                    "Bag-Software-Agent": f"gavah {__version__} (bagit {bagit.VERSION})",
                    "External-Identifier": f"{vault.log.origin} checkpoint {appender.size}",
                },
                checksums=["sha256", "sha512"],
            )
            bag.validate()
    except BaseException as exc:
        # Nothing half-written is left to be mistaken for a bag (the export logged before it
        # stays: the record of an attempt).
        if made:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for child in dest.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        if isinstance(exc, bagit.BagError):
            raise StoreError(f"the bag written at {dest} does not validate: {exc}") from None
        if isinstance(exc, OSError):
            raise StoreError(f"cannot write the bag at {dest}: {exc.strerror or exc}") from None
        raise
    return Bagged(dest, items, appender.size)


@dataclass(frozen=True)
class _Chosen:
    evidence_id: str
    keep: Keep | None
    shown: list[str] | None  # collections the caller sees; None: all


def _first_seen(session: Session, evidence_id: str, shown: list[str] | None) -> str | None:
    """The file name of the item's first acquisition into a collection the caller sees: another
    collection's name for the file must not travel in this caller's bag."""
    acq = models.Acquisition
    query = select(acq.filename, acq.collection).where(acq.evidence_id == evidence_id)
    for filename, collection in session.execute(query.order_by(acq.log_index)):
        if shown is None or (collection or "") in shown:
            return str(filename)
    return None


def _write_payload(
    vault: Vault,
    session: Session,
    chosen: dict[str, _Chosen],
    dest: Path,
) -> list[dict[str, Any]]:
    items = []
    for pick in chosen.values():
        ev = session.get(models.Evidence, pick.evidence_id)
        if ev is None:  # evidence is never deleted: a damaged database
            raise StoreError(f"item {pick.evidence_id} vanished while its bag was written")
        report = _custody_report(vault, session, ev, pick.keep)
        name = safe_filename(_first_seen(session, ev.id, pick.shown) or ev.id, ev.id)
        folder = dest / "items" / ev.id
        (folder / "original").mkdir(parents=True)
        _copy_blob(vault, ev.sha256, folder / "original" / name)
        (folder / "custody-report.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (folder / "custody-report.txt").write_text(render_report(report, name), encoding="utf-8")
        items.append(
            {
                "id": ev.id,
                "sha256": ev.sha256,
                "size": ev.size,
                "file": f"data/items/{ev.id}/original/{name}",
                "events": len(report["events"]),
            }
        )
    return items


def readme(key: str, items: list[dict[str, Any]]) -> str:
    """How to verify the bag without gavah, in English then Persian."""
    listing = "\n".join(f"  {i['id']}  {i['sha256']}  {i['file']}" for i in items)
    return f"""COURT BAG: EVIDENCE WITH ITS CHAIN OF CUSTODY
=============================================

This folder is a BagIt bag (RFC 8493). It holds {len(items)} item(s):
{listing}

Each item's folder holds the original file, unchanged, and its custody report: every logged
event of the item (ingest, views, exports, including this export), each with an inclusion proof
in the gavah custody log, an append-only Merkle tree (RFC 6962). data/log/ holds the log's
signed checkpoint and its public key:
  {key}

How to verify it, without gavah:

1. The files are complete and unchanged since the bag was made:
     bagit.py --validate BAG          (pip install bagit)
   or, with standard tools only, from inside the bag folder:
     sha256sum -c manifest-sha256.txt && sha256sum -c tagmanifest-sha256.txt

2. The custody events are in the log, under a checkpoint the log's key signed:
     python3 data/log/check_proofs.py BAG     (needs Python 3 and: pip install cryptography)
   It checks the Ed25519 signature on data/log/checkpoint.txt (C2SP signed-note), then for
   every event: leaf = SHA-256(0x00 || entry), the inclusion path up to the checkpoint's root
   (RFC 9162 section 2.1.3.2), that the entry names the item's SHA-256, and that the original
   file has that SHA-256. The script is short and meant to be read. With gavah installed,
   `gavah verify-proof custody-report.json --key KEY --file ORIGINAL` does the same.

3. Compare the public key above with the one the workspace's owner gave you through a channel
   you trust. A key that travels with what it signs proves only that nothing changed after it
   was signed, not who signed it. Later checkpoints of the same log can be shown to extend this
   one (`gavah log consistency`), so the log cannot have been rewritten since.


کیسهٔ دادگاهی: مدرک همراه با زنجیرهٔ نگهداری
===============================================

این پوشه یک «کیسهٔ BagIt» است (RFC 8493) و {len(items)} مدرک را در خود دارد (فهرست بالا).
پوشهٔ هر مدرک، پروندهٔ اصلی را بی‌هیچ تغییری و گزارش نگهداری آن را دارد: همهٔ رویدادهای
ثبت‌شدهٔ مدرک (دریافت، دیدن‌ها، برون‌بردها و همین برون‌برد)، هر یک با اثبات گنجاندن در دفتر
نگهداری gavah، که درخت مرکلی است که فقط به آن افزوده می‌شود (RFC 6962). در data/log/
نقطهٔ بازرسی امضاشدهٔ دفتر و کلید عمومی آن آمده است (کلید در بالا).

راستی‌آزمایی، بدون gavah:

۱. پرونده‌ها کامل‌اند و از زمان ساختن کیسه تغییر نکرده‌اند:
     bagit.py --validate BAG
   یا تنها با ابزارهای استاندارد، از درون پوشهٔ کیسه:
     sha256sum -c manifest-sha256.txt && sha256sum -c tagmanifest-sha256.txt

۲. رویدادهای نگهداری در دفتر هستند، زیر نقطهٔ بازرسی‌ای که کلید دفتر امضا کرده است:
     python3 data/log/check_proofs.py BAG     (نیازمند پایتون ۳ و بستهٔ cryptography)
   این برنامه امضای Ed25519 روی data/log/checkpoint.txt را می‌آزماید، سپس برای هر رویداد
   مسیر گنجاندن تا ریشهٔ درخت (RFC 9162 بخش 2.1.3.2) را، و این‌که رویداد همان SHA-256
   مدرک را نام می‌برد و پروندهٔ اصلی همان SHA-256 را دارد. برنامه کوتاه است و برای خواندن
   نوشته شده است.

۳. کلید عمومی بالا را با کلیدی که دارندهٔ فضای کار از راهی مطمئن به شما داده است مقایسه
   کنید. کلیدی که همراه امضاشده می‌آید تنها نشان می‌دهد که پس از امضا چیزی تغییر نکرده است،
   نه این‌که امضاکننده کیست.
"""
