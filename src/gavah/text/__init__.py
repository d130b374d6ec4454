"""Text helpers for Persian and Latin script: name keys for matching, Solar Hijri dates."""
