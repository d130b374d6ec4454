"""The sanctions gap report (`gavah sanctions gaps --html`) is an HTML file people open from
disk: like the estimate report, it carries a Content-Security-Policy that lets nothing in it run
or load (issue 13, finding 10), only its own inline styles."""

from __future__ import annotations

from gavah.sanctions.gaps import Report, to_html

STRICT = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"


def test_the_gap_report_forbids_scripts_and_loads() -> None:
    html = to_html(Report(jurisdictions=["us"], rows=[], unmatched={}))
    head = html.split("</head>", 1)[0]
    assert STRICT in head
    assert head.index(STRICT) < head.index("<title>")  # before anything it could govern
