"""The domain exceptions: each names what was wrong and what is accepted.

The core raises these; the CLI turns them into one-line messages and exit
codes. Every message is written for a clerk, not a programmer, marked for the
catalogue (:mod:`welfare_calc.core.words`) and said in the language in use.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

from welfare_calc.core.words import N_, _, alternatives, listed


class WelfareCalcError(Exception):
    """Base of every error the calculator reports to a user."""

    #: The input the error is about (an option or column name), if one.
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field

    def __str__(self) -> str:
        return self.message


class InvalidPersons(WelfareCalcError):
    """The number of covered persons is not a whole number ≥ 1."""

    field = "persons"


class InvalidId(WelfareCalcError):
    """A household's id is empty, not printed text, or a resident ID with a wrong check digit."""

    field = "id"


class InvalidIncome(WelfareCalcError):
    """Per-capita monthly income is negative or has more than 2 decimals."""

    field = "income"


class InvalidAmount(WelfareCalcError):
    """A money amount (such as the amount actually paid) is malformed."""

    field = "paid"


class InvalidSupplement(WelfareCalcError):
    """A 分类施保 supplement that is not one, or one for a programme without them."""

    field = "supplement"


class InvalidCare(WelfareCalcError):
    """A care tier that is none, or one given for a household that is paid no care."""

    field = "care"


class InvalidMonth(WelfareCalcError):
    """A month is not written ``YYYY-MM`` or does not exist."""

    field = "month"


class UnknownCategory(WelfareCalcError):
    """The category is neither an id nor a Chinese name in the table."""

    field = "category"

    def __init__(self, given: str, known: Sequence[str], suggestions: Sequence[str]) -> None:
        if suggestions:
            message = _("unknown category {given}; did you mean {suggestions}? (accepted: "
                        "{known})").format(given=repr(given),
                                           suggestions=alternatives(suggestions),
                                           known=listed(known))
        else:
            message = _("unknown category {given} (accepted: {known})").format(
                given=repr(given), known=listed(known))
        super().__init__(message)
        self.given = given
        self.suggestions = tuple(suggestions)


class MonthOutOfRange(WelfareCalcError):
    """A month that the standards table does not give a standard for."""

    field = "month"


class InvalidPeriod(WelfareCalcError):
    """A coverage period whose start is after its end."""

    field = "start"


class WindowBeforeRaise(WelfareCalcError):
    """A back-pay window that ends before the raise took effect."""

    field = "through"


class WindowAcrossRaise(WelfareCalcError):
    """A back-pay window that reaches the next raise: each raise's back-pay is its own."""

    field = "through"


class UnknownRaise(WelfareCalcError):
    """A raise named (``--raise``) that the standards table does not have."""

    field = "raise"


class StandardsFileError(WelfareCalcError):
    """A standards file that cannot be read or does not validate.

    ``problems`` holds one line per problem, each
    ``file:line: key.path: what was expected``.
    """

    field = "standards"

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


# Batch runs: what stops a run as a whole (exit 2, nothing written), as
# opposed to a rejected row, which is reported and the run goes on.


class UnusableInput(WelfareCalcError):
    """Input that cannot be processed at all: missing columns, bytes that do not decode."""

    field = "input"


class BadOption(WelfareCalcError):
    """An option's value a command cannot use (``--column`` written wrong, say)."""


class TargetProblem(WelfareCalcError):
    """The files named for a run cannot be written as asked: one is the input, two are
    one file, a directory is missing, a target is read-only or locked by another run."""

    field = "output"


class TargetError(WelfareCalcError):
    """A file of the run could not be written or put in place; the message names it."""

    field = "output"


class EncodingProblem(WelfareCalcError):
    """An encoding the batch cannot use for what was asked; the message says why."""

    field = "encoding"


class Interrupted(Exception):
    """Ctrl-C, SIGTERM, SIGHUP (the terminal closed) or SIGQUIT: stop, leave no partial file."""


SYSTEM_REASONS = {
    errno.ENOENT: N_("no such file or directory"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("operation not permitted"),
    errno.EEXIST: N_("the file already exists"),
    errno.EISDIR: N_("it is a directory"),
    errno.ENOTDIR: N_("a part of the path is not a directory"),
    errno.ENOSPC: N_("the disk is full"),
    errno.EROFS: N_("the file system is read-only"),
    errno.ENAMETOOLONG: N_("the name is too long for this system"),
    errno.EMFILE: N_("too many open files"),
    errno.ENFILE: N_("too many open files"),
    errno.EIO: N_("input/output error (a failing disk or a lost network drive?)"),
    errno.EFBIG: N_("the file is too large"),
    errno.EBUSY: N_("the device or file is busy"),
    errno.EINVAL: N_("invalid argument"),
    errno.ELOOP: N_("too many symbolic links in the path"),
    errno.ENOMEM: N_("not enough memory"),
    errno.EADDRINUSE: N_("address already in use: another program listens on that port "
                         "(choose another with --port)"),
    errno.EADDRNOTAVAIL: N_("this machine has no such address"),
    errno.EAFNOSUPPORT: N_("this machine does not support that kind of address"),
    **({errno.EDQUOT: N_("the disk quota is exceeded")} if hasattr(errno, "EDQUOT") else {}),
}
"""What the operating system says, in our words: its own (``strerror``) is English on
Linux and in the Windows C runtime, whatever the clerk reads."""

WINDOWS_REASONS = {
    32: N_("the file is open in another program (such as Excel): close it and run again"),
    33: N_("part of the file is locked by another program"),
    10048: N_("address already in use: another program listens on that port "
              "(choose another with --port)"),
}
"""Windows errors whose ``errno`` says less than the Windows code (``winerror``): a file
another program holds open is EACCES, as a permission refused is."""


def os_reason(error: OSError) -> str:
    """Why the operating system refused, in the language in use; a reason not known
    here is the system's own (on Windows, said in the system's language)."""
    known = WINDOWS_REASONS.get(getattr(error, "winerror", None) or -1) or SYSTEM_REASONS.get(
        error.errno or -1)
    if known is not None:
        return _(known)
    return str(error.strerror or error)
