"""Benchmarks for gavah's performance targets, each against a named baseline measured in the same run.

Run ``python -m bench`` (full sizes: a 1 GiB ingest, a 1,000,000-entry log), ``--quick`` for a
small smoke run, ``--json`` for machine-readable output. All data is synthetic, built in a
temporary folder and removed afterwards. Nothing here asserts a wall-clock time: the figures are
reported, together with the target and whether this machine met it.

Targets (from the performance issue):

1. ingest of a mixed folder (photos and videos perceptually hashed): ``gavah ingest`` (CLI, end
   to end) vs ``sha256sum``, <= 1.3x;
2. 1,000,000 log appends on SQLite in under 60 s, vs plain SQLite inserts of the same bytes;
3. an inclusion proof from a 1,000,000-entry log in under 5 ms;
4. ``verify-proof`` of a real bundle in under 50 ms;
5. ``log verify`` over 1,000,000 entries, vs SHA-256 leaf hashing of the same entries.
"""
