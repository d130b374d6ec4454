"""English messages that reach a page without being written in a template, listed here so that
``make messages`` (pybabel extract) puts them in the catalog and they get a Persian translation.

- Errors the routes and the domain raise, shown by ``templates/error.html`` through the
  ``translate`` filter: a msgid equal to the exact English text is translated. Only fixed texts
  can be listed; messages built with placeholders (f-strings) are shown in English.
- Notices a redirect asks the next page to show (``gavah.web.pages.render.NOTICES``).

A test checks that every text here still occurs, word for word, in the sources: when a message
changes there, change it here too (and run ``make messages``).
"""

from __future__ import annotations


def _(text: str) -> str:
    """Marks a message for extraction; it is translated when a page shows it."""
    return text


COMMON_ERRORS = (
    # gavah.accounts.store
    _("sign-in failed: the name, password or code is wrong, or the account is locked"),
    _("too many failed sign-ins from this network address"),
    _("this setup link is not valid: it was used already, it expired, or it never existed"),
    _("ask an admin for a new one (`gavah users reset NAME`)"),
    _("the code from the authenticator app does not match"),
    _("add the secret to the app again and type the 6-digit code it shows now"),
    _("a collection name must be 1-200 characters"),
    _("no such session"),
    _("the account no longer exists"),
    # gavah.web.context
    _("the form's security token is missing or stale (CSRF check)"),
    _("reload the page and try again"),
    _("reload the page and try again; cookies must be enabled"),
    _("previews are shown on the item's page only"),
    _("open the item page again"),
    _("only an admin may do this"),
    _("sign in first"),
    # gavah.web.failures (and the framework's own texts for unknown addresses and methods)
    _("an unexpected error happened; it was logged on the server"),
    _("request refused"),
    _("Not Found"),
    _("Method Not Allowed"),
    # gavah.web.pages
    _("choose fa or en"),
    _("the two passwords differ"),
    _("type the same password twice"),
    _("write it as 2026-01-08 or ۱۴۰۴/۱۰/۱۸"),
    _("this item has no preview"),
    _("download it to look at it"),
    # gavah.web.evidence
    _("this item has no ingest entry in your collections to prove"),
    _("export its custody report instead: it proves every entry you may see"),
    _("your role allows no uploads"),
    _("ask an admin for the intake role"),
    # gavah.web.pages.verify (and gavah.verify.store, where the text is the same)
    _("only the reviewer role may review assessments"),
    _("an admin can grant you the reviewer role in a collection"),
    _("you made this assessment: another person must review it (four eyes)"),
    _("ask a colleague with the reviewer role"),
    _("say why you disagree"),
    _("write a note, then press Disagree"),
    _("choose month or year, and gregorian or solar_hijri"),
    # gavah.web.pages.victims, victim_import, sanctions, registry: need to know
    _("the victim register is open to those granted its collection"),
    _("only the reviewer role in the register's collection may decide pairs"),
    _("importing a list takes the intake, analyst or reviewer role in the register's collection"),
    _("the registry and its gap report are open to those granted its collection"),
    _("only the reviewer role in the registry's collection may judge match candidates"),
    _("the registry is open to those granted its collection"),
    _("changing the registry takes the analyst or reviewer role in its collection"),
    _("correct those rows (or the mapping) in the rejected-rows file, then import again"),
)

NOTICES = (
    _("You are signed out."),
    _("Your account is ready. Sign in with your new password."),
    _("The description was saved."),
    _("The language was changed."),
    _("The session was signed out."),
    _("The API token was revoked."),
    _("The access was changed."),
    _("The access was removed."),
    _("The account was unlocked."),
    _("The account was disabled."),
    _("The account was enabled."),
    _("Your decision was recorded in the custody log."),
    _("The entity was added; the change is in the custody log."),
    _("The change was saved in the custody log."),
    _("Faces were looked for; the boxes found are in the custody log."),
    _("The boxes were changed and any approval withdrawn; the change is in the custody log."),
    _("The boxes were approved and the derivative made; the approval is in the custody log."),
)
