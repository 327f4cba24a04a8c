"""The language a front end speaks: chosen once, before a word is said.

The core marks its words and looks them up (:mod:`welfare_calc.core.words`);
it does no I/O, so a front end loads the catalogue of the chosen language and
hands it over with :func:`speak`: the command line before click parses a word
of its arguments (so that click's own usage errors come out in it too), the
page's server at its start (its lines, its API's ``error``, the messages
beside each field), a batch's worker process at its start under ``spawn``
(under ``fork`` it inherits the parent's).

Chinese unless asked otherwise (``--lang en``, ``WELFARE_CALC_LANG=en``, an
English ``LANG``: :func:`~welfare_calc.output.formats.chosen_lang`), as the
help has always been. The catalogue is the compiled ``welfare_calc.mo`` beside
its ``.po`` under ``core/locale``, read by the package's own loader
(:func:`pkgutil.get_data`), so it is found from a wheel, an editable install or a
checkout alike; an install needs no Babel. (:mod:`importlib.resources`
would find it too, at 3–4 ms more of imports on every call: its readers, zipfile,
tempfile, shutil and the compression modules.)
"""

from __future__ import annotations

import functools
import gettext
import io
import pkgutil
from collections.abc import Sequence

from welfare_calc.core import words
from welfare_calc.output.formats import Lang, chosen_lang

CATALOGUE = f"locale/zh_CN/LC_MESSAGES/{words.DOMAIN}.mo"
"""The Chinese catalogue, inside the ``welfare_calc.core`` package (compiled from the
``.po`` beside it: docs/development.md says how)."""

_spoken: Lang | None = None
"""The language :func:`speak` was last given (None: none chosen yet in this process)."""


@functools.cache
def catalogue(lang: Lang) -> gettext.NullTranslations:
    """The catalogue of ``lang``: the compiled Chinese texts, or English as written.

    A Chinese catalogue missing from a broken install leaves the words in English
    (the messages are written in English): the tool still says what is wrong.
    ``tests/test_packaging.py`` holds the wheel to carrying it.
    """
    if lang is Lang.EN:
        return gettext.NullTranslations()
    try:
        raw = pkgutil.get_data("welfare_calc.core", CATALOGUE)
    except OSError:
        raw = None
    if raw is None:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(raw))


def speak(lang: Lang) -> None:
    """Say every word from now on in ``lang`` (the core's, and click's once bound)."""
    global _spoken  # noqa: PLW0603 - the one language of the process, chosen once
    _spoken = lang
    words.use(catalogue(lang))


def spoken() -> Lang:
    """The language in use: the one :func:`speak` was given, else the one the
    environment chooses (:func:`~welfare_calc.output.formats.chosen_lang`)."""
    return _spoken if _spoken is not None else chosen_lang()


def in_use() -> Lang:
    """The language of the catalogue in use now (English until one is spoken): what a
    worker process started with ``spawn`` is told to speak, to say what its parent says."""
    return Lang.ZH if words.language().startswith("zh") else Lang.EN


def asked_in(args: Sequence[str]) -> Lang | None:
    """The language a command line asks for with ``--lang zh|en`` (``--lang=en`` too),
    found before click parses it; None when it asks for none (or for one there is not,
    which click then refuses in the language of the environment).

    ``--lang`` is every command's own option, so it may stand anywhere after the
    command's name; nothing after ``--`` is an option. Given twice, the last counts,
    as click has it.
    """
    found = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
        if value is not None:
            found = Lang(value) if value in (Lang.ZH, Lang.EN) else None
    return found


def speak_as_asked(args: Sequence[str]) -> Lang:
    """Choose the language of a command line (``--lang``, else the environment) and
    speak it; returns it."""
    lang = asked_in(args) or chosen_lang()
    speak(lang)
    return lang
