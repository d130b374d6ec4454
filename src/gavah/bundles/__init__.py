"""Sealed evidence bundles (docs/bundles.md): ``seal`` is the field side and imports nothing else
of gavah's; ``open`` checks pieces and opens complete bundles; ``ingest`` takes them into the
vault; ``page`` writes the offline field page."""
