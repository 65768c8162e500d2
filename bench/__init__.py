"""The benchmark suite: `python -m bench [--quick]` (or `make bench`).

Every figure is printed beside a raw limit measured in the same run, because absolute
times mean little on a noisy 2-core machine. Nothing here is a timed test: `make test`
never runs it.

Optional parts written alongside (`bench/readmodels.py`, `bench/verify.py`,
`bench/postgres.py`) are run when present. Each may offer

    def run(*, quick: bool) -> list[bench.harness.Row]   # rows for the common table

or, failing that, a `main(argv)` (or nothing at all): it is then run as
`python -m bench.<name> [--quick]` in a subprocess with a time limit, and its output is
shown as is.
"""
