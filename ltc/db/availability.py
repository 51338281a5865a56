"""Whether an error means the database cannot be reached right now (stopped, restarting,
the network gone, SQLite's write lock held too long), as opposed to a bug or a bad query.
The web answers those with 503 and the worker retries the job; both ask here."""

from __future__ import annotations

import errno
import socket
import sqlite3

import asyncpg.exceptions as pg

# asyncpg: the connection was lost or refused, or the server is starting or shutting down.
_POSTGRES_UNAVAILABLE: tuple[type[BaseException], ...] = (
    pg.PostgresConnectionError,  # 08xxx, e.g. ConnectionDoesNotExistError
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.CannotConnectNowError,
    pg.TooManyConnectionsError,
    pg.InterfaceError,  # e.g. a pool closing under the request
    # A pooled connection the lost server left mid-operation ("cannot switch to state …;
    # another operation is in progress"): the pool replaces it; the request may be retried.
    pg.InternalClientError,
)
# What a client raises on a refused, reset or timed-out socket (TimeoutError is an OSError).
_NETWORK: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, socket.gaierror)
_NETWORK_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN}
UNAVAILABLE_TYPES: tuple[type[BaseException], ...] = (*_POSTGRES_UNAVAILABLE, OSError, sqlite3.OperationalError)

_SQLITE_BUSY = ("database is locked", "database is busy")


def is_database_unavailable(error: BaseException) -> bool:
    """True when waiting and trying again is the answer."""
    if isinstance(error, sqlite3.OperationalError):
        return any(text in str(error) for text in _SQLITE_BUSY)
    if isinstance(error, _POSTGRES_UNAVAILABLE + _NETWORK):
        return True
    return isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS
