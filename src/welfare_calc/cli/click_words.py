"""click's own messages, looked up in our catalogue.

click marks its messages for gettext: each of its modules does ``from gettext import
gettext as _`` (and ``ngettext``) when it is imported, and looks a message up when it is
said. So the names ``_`` and ``ngettext`` of those modules are bound here to
:func:`welfare_calc.core.words._` and :func:`~welfare_calc.core.words.ngettext`, which
look up whatever catalogue the command line chose: "Missing option", "No such
option", "Invalid value", a file that does not exist, … come out in the clerk's
language, from the one catalogue that holds ours (their Chinese texts are in the same
``.po``).

Why bind the names rather than set the process's gettext domain
(``gettext.textdomain`` and ``bindtextdomain`` with ``LANGUAGE`` set): that way needs
the catalogue as a file in a ``locale/`` directory on disk (a zipped install has none),
changes what every other library's gettext says, and passes ``LANGUAGE`` on to every
program the process starts. Binding touches click alone, reads the catalogue already
loaded, and follows a change of language with no second step.
``tests/test_words.py`` holds every click module that imports gettext to being bound,
so a click upgrade that adds one is caught.
"""

from __future__ import annotations

import gettext
import sys

from welfare_calc.core import words


def bind_click() -> None:
    """Bind ``_`` and ``ngettext`` of every click module loaded to our catalogue.

    The modules click imports with itself are all loaded by then (the command line
    imports click first). Of those it imports later, ``click._termui_impl`` holds
    the progress bar, pager and editor, which welfare-calc never uses, and
    ``click._winconsole`` is loaded with click on Windows.
    """
    for name, module in list(sys.modules.items()):
        if not (name == "click" or name.startswith("click.")):
            continue
        names = vars(module)
        if names.get("_") in (gettext.gettext, words._):
            module._ = words._  # type: ignore[attr-defined]
        if names.get("ngettext") in (gettext.ngettext, words.ngettext):
            module.ngettext = words.ngettext  # type: ignore[attr-defined]
