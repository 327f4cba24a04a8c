"""The bank's answer (回盘) to a bank file, reconciled (issue 30 §4).

The return repeats the sent file's columns and adds 处理结果 (成功 or 失败) and 失败原因.
Every payment sent is answered once, at the amount sent, under the key it was sent with;
then what was sent equals what succeeded plus what failed, by count and by amount, to
the fen (:class:`Outcome`). A return that is not such an answer is refused whole,
naming its lines (:class:`ReturnRefused`): a key that was not sent, an amount that
differs, a sent line unanswered, a key seen twice in either file, a sent file whose
summary is not the sum of its lines. Nothing is then written: a 重发名单 made from a
wrong return would pay someone twice or not at all.

The failed payments become a 重发名单 (:func:`write_resend`): a roster, with the columns
the batch and the payroll read (身份证号, 姓名, 账号, 金额) and the bank's reason, that
the next run can take.

Both files are read a line at a time. The sent file's payments are held as two 8-byte
digests of the key, the line and the amount (about 60 bytes a payment, sorted ones
included), looked up by bisection; keys are read back from the file only to name a
problem. The return's failed lines are held until the return is known to be good (a
failure list is short; every line failing would hold them all).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from welfare_calc.batch.input.encodings import FOUND, display_name, is_utf8
from welfare_calc.batch.write.staging import StagedText, commit_all
from welfare_calc.batch.write.targets import locked
from welfare_calc.core.engine import fen_text
from welfare_calc.core.errors import BadOption, UnusableInput
from welfare_calc.core.words import N_, _, listed, ngettext
from welfare_calc.output.text import FORMULA_START, csv_safe, kept_as_text
from welfare_calc.payroll.bank import BankTotals, text_fen
from welfare_calc.payroll.layouts import REASON, RESULT, SHIPPED, Field, Layout, shipped

SUCCEEDED = "成功"
FAILED = "失败"
SHOWN_PROBLEMS = 20
"""Problems named one a line; past them, how many more (a return of another file would
otherwise print a million lines)."""
CHUNK = 1 << 20

COLUMN_KEYS: dict[str, str] = {
    "seq": Field.SEQ.value, "name": Field.NAME.value, "id": Field.ID.value,
    "account": Field.ACCOUNT.value, "amount": Field.AMOUNT.value, "batch": Field.BATCH.value,
    "key": Field.KEY.value, "result": RESULT, "reason": REASON,
}
"""``--column KEY=HEADER``: the keys, in English and as the sent file names them."""
NEEDED = (Field.KEY.value, Field.AMOUNT.value, RESULT)
RESEND_HEADER = ("身份证号", "姓名", "账号", "金额", "月份", "失败原因", "键")
"""The 重发名单's columns: those the batch and the payroll read a roster by (身份证号 is
the id, 账号 the account), then the bank's reason and the key of the payment failed."""

NOT_SENT = N_("return line {line}: key {key} was not in the sent file")
TWICE = N_("{file} lines {first} and {second}: key {key} is there twice")
AMOUNT_DIFFERS = N_("return line {line}: key {key} has the amount {amount}; {sent} was sent "
                    "(sent line {sent_line})")
UNANSWERED = N_("sent line {line}: key {key} has no answer in the return")


class ReturnRefused(UnusableInput):
    """A return, or a sent file, that cannot be reconciled: one problem a line."""

    def __init__(self, problems: Sequence[str], unnamed: int = 0) -> None:
        shown = list(problems[:SHOWN_PROBLEMS])
        if len(problems) + unnamed > SHOWN_PROBLEMS:
            more = len(problems) + unnamed - SHOWN_PROBLEMS
            shown.append(ngettext("and {count} more problem", "and {count} more problems",
                                  more).format(count=more))
        super().__init__("\n".join(shown))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed payment, as the 重发名单 lists it."""

    key: str
    id: str
    name: str
    account: str
    fen: int
    reason: str

    @property
    def month(self) -> str:
        """The month the payment was for (the key's first part)."""
        return self.key.partition(":")[0]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the bank did with a file: ``sent`` = ``succeeded`` + ``failed``, by count and
    by fen (asserted where it is made), and the failures in the return's order."""

    sent: BankTotals
    succeeded: BankTotals
    failed: BankTotals
    failures: tuple[Failure, ...] = field(repr=False)


def key_digests(key: str) -> tuple[int, int]:
    """A key as two 8-byte numbers: its BLAKE2b digest of 16 bytes, halved. Two keys that
    share both have a chance of about 2**-128: the sent file's keys are held as these, not
    as text (16 bytes a payment, where a dict of keys took about 150)."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return (int.from_bytes(digest[:8], "big", signed=True),
            int.from_bytes(digest[8:], "big", signed=True))


class _Sent:
    """The sent file's payments, each as its key's digests, its line and its amount, looked
    up by key once :meth:`seal` has sorted them."""

    def __init__(self, path: Path, layout: Layout, label: str) -> None:
        self.path, self.layout, self.label = path, layout, label
        self.first: array[int] = array("q")
        self.second: array[int] = array("q")
        self.lines: array[int] = array("q")
        self.fens: array[int] = array("q")
        self._order: array[int] = array("q")
        self._sorted_first: array[int] = array("q")

    def add(self, key: str, line: int, fen: int) -> None:
        """A payment of the file, in its order."""
        first, second = key_digests(key)
        self.first.append(first)
        self.second.append(second)
        self.lines.append(line)
        self.fens.append(fen)

    def seal(self) -> list[tuple[int, int]]:
        """Sort the keys for :meth:`find`; the payments (their indexes, earlier first) whose
        key an earlier payment has."""
        import numpy as np  # noqa: PLC0415 - a million keys sorted in a few hundredths of a second

        first = np.frombuffer(self.first, dtype=np.int64) if self.first else np.zeros(
            0, dtype=np.int64)
        order = np.argsort(first, kind="stable")
        ordered = first[order]
        self._order = array("q", order.astype(np.int64).tobytes())
        self._sorted_first = array("q", ordered.tobytes())
        doubled = set()
        for at in np.flatnonzero(ordered[1:] == ordered[:-1]).tolist():
            # A run of one first digest: the same key where the second digest agrees too.
            later = self._order[at + 1]
            before = at
            while before >= 0 and self._sorted_first[before] == self._sorted_first[at + 1]:
                other = self._order[before]
                if self.second[other] == self.second[later]:
                    doubled.add((min(other, later), max(other, later)))
                    break
                before -= 1
        return sorted(doubled)

    def find(self, key: str) -> int | None:
        """The index of the payment sent under ``key``; None when none was."""
        first, second = key_digests(key)
        at = bisect_left(self._sorted_first, first)
        while at < len(self._sorted_first) and self._sorted_first[at] == first:
            if self.second[self._order[at]] == second:
                return self._order[at]
            at += 1
        return None

    def keys_at(self, indexes: Iterable[int]) -> dict[int, str]:
        """The keys of some payments, read back from the file (to name them in a message)."""
        wanted = {self.lines[index]: index for index in indexes}
        key_at = self.layout.columns.index(Field.KEY)
        found: dict[int, str] = {}
        with _open_text(self.path, self.layout.encoding, self.label) as handle:
            for line, row in _rows(handle, self.layout, self.label, sent=True):
                if line in wanted:
                    found[wanted[line]] = row[key_at]
        return found


def column_mapping(given: Sequence[str]) -> dict[str, str]:
    """``--column KEY=HEADER`` options: the return's header for each field named, keyed by
    the field as the sent file names it (键, 金额, 处理结果 …)."""
    chosen: dict[str, str] = {}
    known = {*COLUMN_KEYS, *COLUMN_KEYS.values()}
    for text in given:
        key, equals, header = text.partition("=")
        key = key.strip()
        if not equals or not header.strip():
            raise BadOption(_("--column {given}: write KEY=HEADER, e.g. --column key=交易流水号"
                              ).format(given=repr(text)))
        if key.lower() not in known and key not in known:
            raise BadOption(_("--column {given}: {key} is not a column of a return; one of "
                              "{known}").format(given=repr(text), key=repr(key),
                                                known=listed(COLUMN_KEYS)))
        field_name = COLUMN_KEYS.get(key.lower(), key)
        if field_name in chosen:
            raise BadOption(_("--column {key} is given twice").format(key=key))
        chosen[field_name] = header.strip()
    return chosen


def text_encoding_of(path: Path) -> str:
    """The encoding a file is read in: UTF-8 (a BOM skipped) when its bytes are UTF-8
    throughout, else GB18030, which holds GBK (the batch's :data:`FOUND`, checked over the
    whole file, a chunk at a time)."""
    decoder = codecs.getincrementaldecoder(FOUND[0])()
    with path.open("rb") as source:
        try:
            while chunk := source.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return FOUND[1]
    return "utf-8-sig"


def _open_text(path: Path, encoding: str, what: str) -> IO[str]:
    try:
        return path.open(encoding="utf-8-sig" if is_utf8(encoding) else encoding,
                         newline="")
    except OSError as error:
        raise UnusableInput(_("{file}: cannot read it ({reason})").format(
            file=what, reason=error.strerror or error)) from None


def _rows(handle: IO[str], layout: Layout, what: str, *,
          sent: bool = False) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank row of a file with its line number; one line for bytes that are not
    text in its encoding (for the sent file, the layout's: another layout's file, then)."""
    reader = csv.reader(handle, delimiter=layout.delimiter)
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                yield reader.line_num, cells
    except UnicodeDecodeError as error:
        if sent:
            raise UnusableInput(_("{file}: line {line} is not text in {encoding}, the "
                                  "{layout} layout's encoding; give --bank-layout").format(
                file=what, line=reader.line_num + 1, encoding=display_name(error.encoding),
                layout=layout.name)) from None
        raise UnusableInput(_("{file}: line {line} is not text in {encoding}").format(
            file=what, line=reader.line_num + 1,
            encoding=display_name(error.encoding))) from None
    except csv.Error as error:
        raise UnusableInput(_("{file}: line {line}: {problem}").format(
            file=what, line=reader.line_num, problem=error)) from None


def _plain(cell: str) -> str:
    """A cell as it was before the spreadsheet marks the writer put on it: a formula's
    ``'`` neutraliser (the tab after digits is gone with ``strip``)."""
    if cell[:1] == "'" and cell[1:2] in FORMULA_START:
        return cell[1:]
    return cell


def detect_layout(sent: Path) -> Layout:
    """The shipped layout a sent file is in, when its first line says so unambiguously;
    else ``csv`` (the default), whose reading then names what does not fit."""
    try:
        with sent.open("rb") as source:
            first = source.readline(4096)
    except OSError:
        return shipped("csv")
    text = first.decode("utf-8-sig", errors="replace") if first.startswith(
        codecs.BOM_UTF8) else first.decode("gb18030", errors="replace")
    fitting = []
    for name in SHIPPED:
        layout = shipped(name)
        cells = text.rstrip("\r\n").split(layout.delimiter)
        if layout.header:
            fits = cells == [column.value for column in layout.columns]
        else:
            size = len(layout.summary.holds) if layout.summary and layout.summary.at == "first" \
                else len(layout.columns)
            fits = len(cells) == size and len(cells) > 1
        if fits:
            fitting.append(layout)
    return fitting[0] if len(fitting) == 1 else shipped("csv")


def read_sent(path: Path, layout: Layout, label: str) -> tuple[_Sent, BankTotals]:
    """The sent file's payments and totals; :class:`ReturnRefused` for a key twice, a line
    that is not a payment of the layout, or a summary that is not the sum of the lines."""
    sent = _Sent(path, layout, label)
    problems: list[str] = []
    width = len(layout.columns)
    key_at = layout.columns.index(Field.KEY)
    amount_at = layout.columns.index(Field.AMOUNT)
    summary = layout.summary
    summary_cells: list[str] | None = None
    summary_line = 0
    header_due = layout.header
    summary_due = summary is not None and summary.at == "first"
    fen = 0
    with _open_text(path, layout.encoding, label) as handle:
        for line, row in _rows(handle, layout, label, sent=True):
            if header_due:
                header_due = False
                if row != [column.value for column in layout.columns]:
                    raise ReturnRefused([_("{file} line {line}: not the header of the {layout} "
                                           "layout ({header}); give --bank-layout").format(
                        file=label, line=line, layout=layout.name,
                        header=layout.delimiter.join(column.value
                                                     for column in layout.columns))])
                continue
            if summary_due or (summary is not None and summary.label
                               and row[0] == summary.label):
                summary_due = False
                summary_cells, summary_line = row, line
                continue
            if summary_cells is not None and summary is not None and summary.at == "last":
                problems.append(_("{file} line {line}: a line after the summary line ({summary})"
                                  ).format(file=label, line=line, summary=summary_line))
                continue
            if len(row) != width:
                problems.append(_("{file} line {line}: {count} fields; a line of the {layout} "
                                  "layout has {width}").format(file=label, line=line,
                                                               count=len(row),
                                                               layout=layout.name, width=width))
                continue
            key = row[key_at]
            amount = text_fen(row[amount_at])
            if amount is None:
                problems.append(_("{file} line {line}: {amount} is not an amount").format(
                    file=label, line=line, amount=repr(row[amount_at])))
                continue
            sent.add(key, line, amount)
            fen += amount
    doubled = sent.seal()
    if doubled:
        keys = sent.keys_at(index for pair in doubled[:SHOWN_PROBLEMS] for index in pair)
        problems.extend(_(TWICE).format(file=label, first=sent.lines[earlier],
                                        second=sent.lines[later], key=keys[later])
                        for earlier, later in doubled[:SHOWN_PROBLEMS])
    totals = BankTotals(len(sent.lines), fen)
    if summary is not None and not problems:
        problems.extend(_summary_problems(layout, summary_cells, summary_line, totals, label))
    if problems:
        raise ReturnRefused(problems)
    return sent, totals


def _summary_problems(layout: Layout, cells: list[str] | None, line: int, totals: BankTotals,
                      label: str) -> list[str]:
    """Whether the sent file's summary is the sum of its lines, as the bank checks it."""
    assert layout.summary is not None
    if cells is None:
        return [_("{file}: no summary line; the {layout} layout has one").format(
            file=label, layout=layout.name)]
    holds = [item.value for item in layout.summary.holds]
    if layout.summary.label:
        cells = cells[1:]
    if len(cells) != len(holds):
        return [_("{file} line {line}: the summary line has {count} fields; the {layout} "
                  "layout's has {width}").format(file=label, line=line, count=len(cells),
                                                 layout=layout.name, width=len(holds))]
    count = cells[holds.index("笔数")]
    total = text_fen(cells[holds.index("总金额")])
    if count != str(totals.count) or total != totals.fen:
        return [_("{file} line {line}: the summary says {count} payments, {total}; its lines "
                  "are {lines} payments, {sum}").format(
                      file=label, line=line, count=count, total=cells[holds.index("总金额")],
                      lines=totals.count, sum=totals.amount)]
    return []


def _return_positions(row: list[str], layout: Layout, mapping: Mapping[str, str],
                      label: str, line: int) -> dict[str, int] | None:
    """Where each field is in a return: by its header row (the sent file's names, or
    ``--column``'s) when the layout has one or the first row names 处理结果 or 键; else by
    the sent layout's order then 处理结果 and 失败原因. None: ``row`` is data, the
    positions are the layout's."""
    wanted = {name: mapping.get(name, name) for name in layout.return_columns}
    if not layout.header and not (set(row) & {wanted[RESULT], wanted[Field.KEY.value]}):
        if mapping:
            raise ReturnRefused([_("{file} line {line}: no header row naming {headers}, which "
                                   "--column gives").format(file=label, line=line,
                                                             headers=listed(mapping.values()))])
        return None
    positions = {name: row.index(header) for name, header in wanted.items() if header in row}
    missing = [wanted[name] for name in NEEDED if name not in positions]
    if missing:
        raise ReturnRefused([_("{file} line {line}: no column {missing}; name it with --column "
                               "KEY=HEADER").format(file=label, line=line,
                                                    missing=listed(missing))])
    return positions


def read_return(path: Path, layout: Layout, sent: _Sent, mapping: Mapping[str, str],
                label: str) -> tuple[BankTotals, BankTotals, list[Failure]]:
    """The return checked against what was sent: succeeded and failed totals, and the
    failures; :class:`ReturnRefused` naming every line that is not an answer."""
    problems: list[str] = []
    answered = array("q", bytes(8 * len(sent.lines)))
    """The return line that answered each sent payment (0: none yet)."""
    failures: list[Failure] = []
    done = [0, 0, 0, 0]  # succeeded count, fen; failed count, fen
    at = {name: where for where, name in enumerate(layout.return_columns)}
    key_at, amount_at, result_at = at[Field.KEY.value], at[Field.AMOUNT.value], at[RESULT]
    least = max(key_at, amount_at, result_at) + 1
    first = True
    summary = layout.summary
    label_first = summary.label if summary is not None else None
    summary_first = summary is not None and summary.at == "first"
    with _open_text(path, text_encoding_of(path), label) as handle:
        for line, row in _rows(handle, layout, label):
            if first:
                first = False
                positions = _return_positions(row, layout, mapping, label, line)
                if positions is not None:
                    at = positions
                    key_at, amount_at, result_at = (at[Field.KEY.value], at[Field.AMOUNT.value],
                                                    at[RESULT])
                    least = max(key_at, amount_at, result_at) + 1
                    continue
            if (label_first and row[0] == label_first) or (
                    summary_first and line == 1 and len(row) < len(at)):
                continue  # the sent file's summary, repeated
            if len(row) < least:
                problems.append(_("{file} line {line}: {count} fields; a return line has "
                                  "{width}").format(file=label, line=line, count=len(row),
                                                    width=len(at)))
                continue
            key = row[key_at]
            index = sent.find(key)
            if index is None:
                problems.append(_(NOT_SENT).format(line=line, key=key))
                continue
            if answered[index]:
                problems.append(_(TWICE).format(file=label, first=answered[index], second=line,
                                                key=key))
                continue
            answered[index] = line
            amount_text = row[amount_at]
            amount = text_fen(amount_text)
            if amount != sent.fens[index]:
                problems.append(_(AMOUNT_DIFFERS).format(
                    line=line, key=key, amount=repr(amount_text),
                    sent=fen_text(sent.fens[index]), sent_line=sent.lines[index]))
                continue
            result = row[result_at]
            if result == SUCCEEDED:
                done[0] += 1
                done[1] += amount
            elif result == FAILED:
                done[2] += 1
                done[3] += amount

                def cell(name: str, row: list[str] = row, at: dict[str, int] = at) -> str:
                    where = at.get(name)
                    return _plain(row[where]) if where is not None and where < len(row) else ""

                failures.append(Failure(key, cell(Field.ID.value) or key.partition(":")[2],
                                        cell(Field.NAME.value), cell(Field.ACCOUNT.value),
                                        amount, cell(REASON)))
            else:
                problems.append(_("return line {line}: 处理结果 {result}; expected {succeeded} or "
                                  "{failed}").format(line=line, result=repr(result),
                                                     succeeded=SUCCEEDED, failed=FAILED))
    unanswered = [index for index, line in enumerate(answered) if not line]
    if unanswered:
        # Named by their keys: one pass over the index, only when a line is missing.
        missing = set(unanswered[:SHOWN_PROBLEMS])
        keys = sent.keys_at(missing)
        problems.extend(_(UNANSWERED).format(line=sent.lines[index], key=keys[index])
                        for index in sorted(missing))
    if problems:
        raise ReturnRefused(problems, unnamed=len(unanswered) - len(unanswered[:SHOWN_PROBLEMS]))
    return BankTotals(done[0], done[1]), BankTotals(done[2], done[3]), failures


def reconcile(sent_path: Path, return_path: Path, layout: Layout, *,
              mapping: Mapping[str, str] | None = None) -> Outcome:
    """Reconcile ``return_path`` with ``sent_path`` (in ``layout``); :class:`ReturnRefused`
    or :class:`~welfare_calc.core.errors.UnusableInput` when it cannot be, naming lines."""
    sent, totals = read_sent(sent_path, layout, str(sent_path))
    succeeded, failed, failures = read_return(return_path, layout, sent, mapping or {},
                                              str(return_path))
    # Every sent line is answered once at its amount, or the return was refused above.
    assert succeeded.count + failed.count == totals.count
    assert succeeded.fen + failed.fen == totals.fen
    return Outcome(totals, succeeded, failed, tuple(failures))


def stage_resend(failures: Sequence[Failure], target: Path) -> StagedText:
    """The 重发名单 written beside ``target`` (.csv or .xlsx), not yet in place."""
    if target.suffix.lower() == ".xlsx":
        import xlsxwriter  # noqa: PLC0415 - only a workbook needs it

        file = StagedText(target, "utf-8", excel=False)
        try:
            book = xlsxwriter.Workbook(file.binary, {
                "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                "strings_to_urls": False})
            sheet = book.add_worksheet("重发名单")
            bold = book.add_format({"bold": True})
            sheet.write_row(0, 0, RESEND_HEADER, bold)
            for number, failure in enumerate(failures, start=1):
                sheet.write_row(number, 0, _resend_cells(failure))
            sheet.set_column(0, 0, 22)
            sheet.set_column(2, 2, 24)
            sheet.set_column(5, 6, 30)
            book.close()
        except BaseException:
            file.discard()
            raise
        return file
    file = StagedText(target, "utf-8", excel=True)
    try:
        writer = file.csv_writer()
        writer.writerow(RESEND_HEADER)
        for failure in failures:
            writer.writerow([kept_as_text(cell, digits=at in (0, 2)) for at, cell
                             in enumerate(_resend_cells(failure))])
    except BaseException:
        file.discard()
        raise
    return file


def _resend_cells(failure: Failure) -> list[str]:
    return [failure.id, csv_safe(failure.name), failure.account, fen_text(failure.fen),
            failure.month, csv_safe(failure.reason), failure.key]


def write_resend(failures: Sequence[Failure], target: Path) -> None:
    """Write the 重发名单 to ``target``, whole or not at all, under its lock."""
    with locked([target]):
        file = stage_resend(failures, target)
        try:
            commit_all([file], {})
        finally:
            file.discard()

