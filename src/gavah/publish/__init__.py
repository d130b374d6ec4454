"""Publishing: what leaves gavah for the public (see docs/publishing.md)."""
