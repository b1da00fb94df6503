"""Pipeline: screen inputs chunk by chunk (one process, worker processes or Dask) and collect the results."""
