"""The run: a roster's chunks through the workers, in order, reconciled, put in place.

The entry is :mod:`~welfare_calc.batch.run.pipeline` (``run_batch``, ``BatchOptions``,
``BatchFiles``, ``Summary``); it drives the rest, each module one concern:

- :mod:`~welfare_calc.batch.run.options`: what a run is asked (``BatchOptions``);
- :mod:`~welfare_calc.batch.run.summary`: what it answers (``Summary``: read = written +
  rejected, the totals);
- :mod:`~welfare_calc.batch.run.chunk_result`: what a chunk gives back (its output, its
  rejected rows, the ledger of its rows), shared by the modules below;
- :mod:`~welfare_calc.batch.run.chunks`: one chunk in, its output and bookkeeping out;
- :mod:`~welfare_calc.batch.run.shared_slots`: chunks and results passed to forked
  workers in shared memory rather than through pipes;
- :mod:`~welfare_calc.batch.run.signals`: the signals that stop a run, held back while a
  step must not be cut in two;
- :mod:`~welfare_calc.batch.run.workers`: the worker processes, their start and signals,
  results back in input order;
- :mod:`~welfare_calc.batch.run.staged_files`: the files a run has staged, put in place
  together or not at all;
- :mod:`~welfare_calc.batch.run.output_file`: the output, its header, read back, rewritten
  without the rows rejected at the end;
- :mod:`~welfare_calc.batch.run.errors_file`: the errors file, a line per problem;
- :mod:`~welfare_calc.batch.run.tallies`: the counts per category and per group;
- :mod:`~welfare_calc.batch.run.ledger`: the ledger of rows written, and the search for
  rows that pay one id twice;
- :mod:`~welfare_calc.batch.run.run_documents`: a finished run's documents (the workbook,
  the 公示 list, the 资金汇总 CSV) written from its spools;
- :mod:`~welfare_calc.batch.run.pipeline`: the run's course, from the header to the
  files put in place;
- :mod:`~welfare_calc.batch.run.roster`: a roster file (CSV, a workbook's sheet, stdin)
  opened and run, with progress: the entry of every front end that reads one.
"""
