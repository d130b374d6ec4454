"""Publishing: the public static site (docs/publishing.md).

- :mod:`marks`: a reviewer marks an incident for publication (a custody event), or withdraws it;
- :mod:`content`: what may go out (marked incidents whose claims are reviewed, harm from them,
  the perpetrators their claims name, the gap report, a chosen estimate) and what is left out, why;
- :mod:`site`: the build, in Persian (right to left, the default) and English, incremental;
- :mod:`integrity`: every published file logged, with its inclusion proof, the log's key and the
  history of signed checkpoints with consistency proofs; the in-page verifier reads them;
- :mod:`monitor`: a third party's check that the log behind a site is never forked or rewritten.
"""
