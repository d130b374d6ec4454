"""How big each benchmark runs: the full sizes the issue names, and a quick smoke-check."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1 << 20


@dataclass(frozen=True)
class Sizes:
    mode: str
    # 1. ingest corpus
    corpus_min_bytes: int
    large_files: int  # random binary, large_min..large_max bytes each
    large_min: int
    large_max: int
    small_files: int  # random binary, 10 KiB .. small_max bytes each
    small_max: int
    images: int  # real JPEG/PNG made with Pillow
    texts: int
    videos: int  # real H.264 MP4s made with PyAV, 1280x720, a key frame a second
    video_seconds: int  # long each
    ingest_runs: int  # each into a fresh workspace; the median is reported
    # 2.-5. the custody log
    log_appends: int
    transaction: int  # appends per write transaction (one signed checkpoint each)
    inclusion_proofs: int
    issued_proofs: int  # full issue_proof calls (each appends an event and signs)
    bundle_checks: int
    # 6. multiple systems estimation (LCMCR on 4 lists)
    mse_records: int = 100_000
    mse_samples: int = 10_000
    # 7. record linkage (two synthetic lists of this many records each)
    linkage_records: int = 100_000
    # 8. sanctions screening (entries in the perturbed list screened against)
    screening_entries: int = 1_000_000
    # 9. the web workspace under load (items in the workspace; seconds of each 20-user wrk run)
    web_items: int = 100_000
    web_seconds: float = 20.0
    # 12. verification (claims whose confidence is recomputed, three assessments each)
    verify_claims: int = 100_000
    verify_items: int = 10_000  # items beside them: the item page is the incident page's baseline
    verify_seconds: float = 20.0  # seconds of each wrk run on the incident and item pages
    # 13. sealed bundles (bytes of synthetic media sealed and opened; runs, the median reported)
    bundle_bytes: int = 1 << 30
    bundle_runs: int = 3
    # 14. the public site
    publish_incidents: int = 10_000
    # 16. near-duplicates: stored synthetic PDQ hashes searched (each size side by side with
    # a brute-force numpy scan of the same hashes), and queries timed against each
    similar_hashes: tuple[int, ...] = (1_000_000, 10_000_000)
    similar_queries: int = 20_000
    similar_scans: int = 10


FULL = Sizes(
    mode="full",
    corpus_min_bytes=1 << 30,
    large_files=8,
    large_min=50 * MiB,
    large_max=100 * MiB,
    small_files=300,
    small_max=2 * MiB,
    images=12,
    texts=60,
    videos=3,
    video_seconds=20,
    ingest_runs=3,
    log_appends=1_000_000,
    transaction=100_000,
    inclusion_proofs=1000,
    issued_proofs=50,
    bundle_checks=200,
)

QUICK = Sizes(
    mode="quick",
    corpus_min_bytes=128 * MiB,
    large_files=3,
    large_min=16 * MiB,
    large_max=32 * MiB,
    small_files=60,
    small_max=1 * MiB,
    images=4,
    texts=10,
    videos=1,
    video_seconds=5,
    ingest_runs=1,
    log_appends=100_000,
    transaction=20_000,
    inclusion_proofs=200,
    issued_proofs=10,
    bundle_checks=50,
    mse_records=10_000,
    mse_samples=1_000,
    linkage_records=10_000,
    screening_entries=20_000,
    web_items=2_000,
    web_seconds=1.0,
    verify_claims=2_000,
    verify_items=500,
    verify_seconds=3.0,
    bundle_bytes=64 * MiB,
    bundle_runs=1,
    publish_incidents=500,
    similar_hashes=(100_000,),
    similar_queries=2_000,
    similar_scans=10,
)
