"""The custody log: an RFC 6962 / RFC 9162 Merkle tree of custody events with signed checkpoints.

Nothing here imports from higher layers. The modules ``merkle``, ``note`` and ``bundle`` need no
database, so a stranger can check a proof bundle with only the public key.
"""
