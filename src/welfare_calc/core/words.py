"""Every sentence a user may read goes through one gettext catalogue.

Messages are written in English in the code and marked with :func:`_`, the
English text being the message's id (gettext's convention, as click and Django
have it). Values go in by name after the lookup,
``_("{count} persons: more than …").format(count=count)``, so that a translation
may put them in its own order; an f-string cannot be looked up and is never a
message. A text made before the language is known (a module constant) is marked
with :func:`N_` and looked up with :func:`_` where it is shown.

The Chinese texts are in ``core/locale/zh_CN/LC_MESSAGES/welfare_calc.po`` (compiled
to the ``.mo`` beside it). The core marks and looks up only: the front end loads
the catalogue of the chosen language and gives it to :func:`use`, once, before a
word is said (the core does no I/O). Until then the words are English.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable

DOMAIN = "welfare_calc"
"""The catalogue's gettext domain (the ``.po`` file's name)."""

_catalogue: gettext.NullTranslations = gettext.NullTranslations()


def use(catalogue: gettext.NullTranslations) -> None:
    """Speak with ``catalogue`` from now on (a ``NullTranslations`` for English)."""
    global _catalogue  # noqa: PLW0603 - the one language of the process, chosen once
    _catalogue = catalogue


def language() -> str:
    """The language of the catalogue in use, as its header names it (``zh_CN``), or ``en``
    for the English of the code: for choosing between names the data holds in both
    languages (a category's id and its Chinese name), never between two texts of ours."""
    return _catalogue.info().get("language", "en")


def _(message: str) -> str:
    """``message`` in the language in use."""
    return _catalogue.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural ``message`` for ``count``, in the language in use."""
    return _catalogue.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """``message`` in the language in use, as meant in ``context``: a word that alone could
    mean several things (``pgettext("column", "start")``: the roster's 起始月份)."""
    return _catalogue.pgettext(context, message)


def N_(message: str) -> str:
    """``message`` unchanged, marked for the catalogue: looked up where it is shown."""
    return message


def listed(items: Iterable[str]) -> str:
    """``items`` as a list in the language in use (``a, b, c``; in Chinese ``a、b、c``)."""
    return _(", ").join(items)


def alternatives(items: Iterable[str]) -> str:
    """``items`` as choices in the language in use (``a or b``; in Chinese ``a或b``)."""
    return _(" or ").join(items)
