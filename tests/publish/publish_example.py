"""A workspace full of traps for the public site, shared by the publishing tests. Everything here
is synthetic: invented witnesses, channels, units and events.

One incident may go out (marked by a second person, every claim reviewed). Around it: an incident
marked whose claim awaits review, one fully reviewed but never marked, one whose assessment a
reviewer disputed, one marked and then withdrawn; a witness named in the source records, notes and
analyses that name them, an exact address written as the place, evidence originals (a JPEG whose
EXIF holds a name and GPS position, a witness statement). Every trap carries a string of TRAPS, so
that a scan of the site can look for each.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from gavah.intake.ingest import ingest
from gavah.publish import marks
from gavah.registry.store import Registry
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification

CASE = "karaj-1401"
ANALYST, REVIEWER, SECOND = "trapanalystactor", "trapreviewerb", "trapreviewerc"
TRAPS = (
    "Maryam Traprezaei",  # a witness's name, in the source records
    "TRAPWITNESSSTATEMENT",  # the witness statement's text (an original)
    "TRAPEXIFARTIST",  # the JPEG's EXIF artist (an original)
    "TRAPANALYSIS",  # assessment analyses
    "TRAPREVIEWNOTE",  # review notes
    "TRAPGRADEREASON",  # source grade reasons
    "TRAPDESCRIPTION",  # an incident's internal description
    "TRAPADDRESS",  # the place as written: an exact address
    "TRAPUNREVIEWED",  # the title of an incident whose claim awaits review
    "TRAPUNMARKED",  # the title of an incident nobody marked
    "TRAPDISPUTED",  # the title of an incident with a disputed assessment
    "TRAPWITHDRAWN",  # the title of an incident marked, then withdrawn
    "TRAPMARKNOTE",  # a mark's note
    "Trapunit Hidden",  # a unit named only by an unpublished incident's claim
    "TRAPFILENAME",  # the originals' file names
    ANALYST,
    REVIEWER,
    SECOND,
)


@dataclass
class Example:
    published: str  # the incident that goes out
    left_out: dict[str, str] = field(default_factory=dict)  # incident id -> why, in words
    originals: list[Path] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    sha256s: list[str] = field(default_factory=list)


def as_(vault: Vault, actor: str) -> Verification:
    return Verification(vault, Asker.operator(actor))


def exif_jpeg(path: Path) -> None:
    """A JPEG whose EXIF names a person and holds a GPS position (synthetic)."""
    from PIL import Image

    image = Image.new("RGB", (64, 48), (120, 90, 60))
    exif = Image.Exif()
    exif[0x013B] = "TRAPEXIFARTIST Maryam Traprezaei"  # Artist
    exif[0x010E] = "TRAPEXIFARTIST description"  # ImageDescription
    gps = {1: "N", 2: (35.0, 49.0, 30.0), 3: "E", 4: (50.0, 59.0, 10.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    path.write_bytes(out.getvalue())


def build(vault: Vault, tmp: Path) -> Example:
    photo = tmp / "TRAPFILENAME-photo.jpg"
    exif_jpeg(photo)
    statement = tmp / "TRAPFILENAME-statement.txt"
    statement.write_text(
        "TRAPWITNESSSTATEMENT: I, Maryam Traprezaei, saw it (synthetic)\n", "utf-8"
    )
    items = ingest(vault, [os.fsencode(photo), os.fsencode(statement)], collection=CASE).items
    evidence = [str(i["id"]) for i in items]
    example = Example(published="", originals=[photo, statement], evidence=evidence)
    example.sha256s = [str(i["sha256"]) for i in items]
    a = as_(vault, ANALYST)
    for sid, name, kind, grade in (
        ("witness-1", "Maryam Traprezaei (synthetic witness)", "witness", "C"),
        ("ngo-1", "NGO list (synthetic)", "ngo", "B"),
    ):
        a.add_source(
            name, kind, collection=CASE, grade=grade, reason="TRAPGRADEREASON", source_id=sid
        )
    registry = Registry(vault)
    registry.add(
        "PublicBody",
        {"name": ["Unit Seven (synthetic)"]},
        source="synthetic report",
        entity_id="unit-7",
    )
    registry.add(
        "PublicBody", {"name": ["Trapunit Hidden"]}, source="synthetic report", entity_id="unit-x"
    )

    def incident(iid: str, title: str, *, review: bool = True, dispute: bool = False) -> str:
        a.add_incident(
            title,
            "killing-at-protest",
            collection=CASE,
            place="Karaj, Alborz",
            date="1401/07/08",
            killed=(2, 3),
            injured=(5, 12),
            description="TRAPDESCRIPTION: the witness Maryam Traprezaei lives at TRAPADDRESS",
            incident_id=iid,
        )
        claim = a.add_claim(f"It happened ({title})", "occurred", incident_id=iid)["claim"]["id"]
        perp = a.add_claim(f"Unit present ({title})", "perpetrator", incident_id=iid)["claim"]["id"]
        a.link_claim(claim, "evidence", evidence[0])
        a.link_claim(claim, "evidence", evidence[1])
        a.link_claim(perp, "entity", "unit-7" if iid == "inc-ok" else "unit-x")
        for cid in (claim, perp):
            for sid, cred, item in (("witness-1", 2, evidence[1]), ("ngo-1", 2, None)):
                made = a.assess(
                    cid,
                    sid,
                    stance="supports",
                    credibility=cred,
                    evidence=item,
                    source_analysis="TRAPANALYSIS: Maryam Traprezaei is known to us",
                    technical_analysis="TRAPANALYSIS exif read",
                    content_analysis="TRAPANALYSIS geolocated to TRAPADDRESS",
                )
                aid = made["assessment"]["id"]
                if dispute:
                    as_(vault, REVIEWER).review(aid, "disagree", "TRAPREVIEWNOTE not convinced")
                elif review:
                    as_(vault, REVIEWER).review(aid, "agree", "TRAPREVIEWNOTE checked")
        return iid

    example.published = incident("inc-ok", "Protesters shot at a square in Karaj (synthetic)")
    marks.mark(as_(vault, REVIEWER), "inc-ok", "TRAPMARKNOTE reviewed whole")
    marks.mark(
        as_(vault, REVIEWER), incident("inc-unrev", "TRAPUNREVIEWED (synthetic)", review=False)
    )
    incident("inc-unmarked", "TRAPUNMARKED (synthetic)")
    marks.mark(
        as_(vault, REVIEWER), incident("inc-disputed", "TRAPDISPUTED (synthetic)", dispute=True)
    )
    withdrawn = incident("inc-withdrawn", "TRAPWITHDRAWN (synthetic)")
    marks.mark(as_(vault, SECOND), withdrawn, "TRAPMARKNOTE")
    marks.unmark(as_(vault, SECOND), withdrawn, "TRAPMARKNOTE a witness could be known")
    example.left_out = {
        "inc-unrev": "not reviewed",
        "inc-unmarked": "not marked",
        "inc-disputed": "not reviewed",
        "inc-withdrawn": "not marked",
    }
    return example
