"""Operations: what whoever runs the service needs from it.

Metrics (`metrics.py`, `requests.py`), structured logs (`logs.py`), traces
(`tracing.py`, with the `otel` extra), backups (`backup.py`, `heads.py`) and a graceful
shutdown (`shutdown.py`). `telemetry.py` wires them into an app; the layers below report
through `decisionlog.infrastructure.observer.Observer`. See docs/operations.md.
"""
