"""Builders of test images shared by the media tests (a unique name, unlike ``conftest``)."""

from __future__ import annotations

from pathlib import Path

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    b' photoshop:City="Tehran"/></rdf:RDF></x:xmpmeta>'
)


def dms(degrees: int, minutes: int, seconds: IFDRational) -> tuple[IFDRational, ...]:
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), seconds)


def camera_exif() -> Image.Exif:
    """EXIF as a phone would write it in Tehran: camera, exposure and a GPS fix."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS R6"
    exif[ExifTags.Base.Software] = "Firmware 1.8.1"
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[ExifTags.Base.DateTimeOriginal] = "2024:03:01 09:30:05"
    sub[ExifTags.Base.LensModel] = "RF24-105mm"
    sub[ExifTags.Base.ExposureTime] = IFDRational(1, 125)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = dms(35, 41, IFDRational(2112, 100))
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = dms(51, 23, IFDRational(204, 10))
    gps[ExifTags.GPS.GPSAltitudeRef] = b"\x00"
    gps[ExifTags.GPS.GPSAltitude] = IFDRational(11895, 10)
    gps[ExifTags.GPS.GPSTimeStamp] = dms(9, 30, IFDRational(5, 1))
    gps[ExifTags.GPS.GPSDateStamp] = "2024:03:01"
    return exif


def save_jpeg(path: Path, exif: Image.Exif | None = None, xmp: bytes | None = None) -> Path:
    image = Image.new("RGB", (40, 30), (30, 60, 90))
    options: dict[str, object] = {}
    if exif is not None:
        options["exif"] = exif
    if xmp is not None:
        options["xmp"] = xmp
    image.save(path, "JPEG", **options)
    return path
