"""Verification: sources, incidents, claims, assessments, confidence by declared rules, review.

- :mod:`~gavah.verify.model`: the vocabulary (kinds of source, incident, claim; relations between
  sources) and what each row's custody entry carries.
- :mod:`~gavah.verify.rules` with ``rules.toml``: the declared rules that turn reviewed
  assessments and independent corroboration into a level on two scales, explained.
- :mod:`~gavah.verify.store`: :class:`Verification`, every change one custody event.
- :mod:`~gavah.verify.levels`: the levels of many claims from the rows; four-eyes standing.
- :mod:`~gavah.verify.report`: civilian harm per period and place, FtM ``Event`` export, the
  claims report.
- :mod:`~gavah.verify.access`: who asks (collections seen, where they may review).
- :mod:`~gavah.verify.audit`: how ``gavah log verify`` checks the rows against the log.

See docs/verification.md.
"""
