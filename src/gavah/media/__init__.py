"""Media evidence: content-based type detection and faithful metadata extraction.

Evidence files may be damaged or crafted to attack whoever opens them, so nothing here trusts
a file name, decodes more than headers, runs a program or touches the network.
"""

from gavah.media.extract import extract_metadata
from gavah.media.sniff import sniff_mime

__all__ = ["extract_metadata", "sniff_mime"]
