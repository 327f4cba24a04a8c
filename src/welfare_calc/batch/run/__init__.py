"""The run: a roster's chunks through the workers, in order, reconciled, put in place.

- :mod:`~welfare_calc.batch.run.chunk_result`: what a chunk gives back (its output, its
  rejected rows, the ledger of its rows), shared by the modules below;
- :mod:`~welfare_calc.batch.run.chunks`: one chunk in, its output and bookkeeping out;
- :mod:`~welfare_calc.batch.run.shared_slots`: chunks and results passed to forked
  workers in shared memory rather than through pipes;
- :mod:`~welfare_calc.batch.run.pipeline`: the run's entry (:func:`run_batch`,
  :class:`BatchOptions`, :class:`BatchFiles`, :class:`Summary`): workers, order,
  doubled ids, reconciliation.
"""
