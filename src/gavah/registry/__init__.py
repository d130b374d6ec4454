"""The perpetrator registry: people, state units, posts, incidents and designations as
FollowTheMoney 4 entities, each value kept as a statement with its provenance.

- :mod:`gavah.registry.model`: the schemata used, how an entered value is stored (FtM's clean
  form; Solar Hijri dates as ISO dates with the original kept), and the checks FtM 4 leaves to
  its users: required properties, plausible dates, links to existing entities. No database.
- :mod:`gavah.registry.change`: what one command adds, asserts again and retracts, over the
  entities it touches, checked whole before anything is written.
- :mod:`gavah.registry.store`: :class:`~gavah.registry.store.Registry` over a vault: add, edit,
  link, show, list, import and export. Every change is one custody event, written in the same
  transaction as the statements it covers, and nothing is written unless every check passes.
- :mod:`gavah.registry.ftm`: FtM JSON lines in (whole file or nothing) and out.
- :mod:`gavah.registry.audit`: how ``gavah log verify`` checks every statement row against the
  custody event that recorded it.

See docs/registry.md.
"""

# The web workspace opens the registry (and the sanctions gap report and match review, which
# show it) to those granted a role in this collection: need to know, as for evidence.
COLLECTION = "registry"
