"""The key that signs session cookies and CSRF tokens: made on first start and kept in
the database's store of server secrets (`decisionlog.auth.secrets`, the one that also
keeps the cursor key), so every worker and host signs alike and a restart signs nobody
out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from decisionlog.auth.secrets import random_key, secret_store

if TYPE_CHECKING:
    from eventsourcing.application import Application

PAGE_KEY_NAME = "pages-signing-key"


def page_signing_key(app: Application[Any]) -> bytes:
    """The key that signs the pages' session cookies and CSRF tokens."""
    return bytes.fromhex(secret_store(app).get_or_make(PAGE_KEY_NAME, random_key))
