"""Whether `serve` can listen where it was asked to, checked before it prints anything."""

from __future__ import annotations

import errno
import socket


def listen_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on host:port (in use, not allowed, unknown host), as
    one line; None when it can. Binds as uvicorn does (SO_REUSEADDR), then lets go."""
    if not 0 <= port <= 65535:
        return f"--port {port} is not a port number (0 to 65535)."
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return f"--host {host} is not an address of this machine or a name it knows."
    family, kind, protocol, _, address = addresses[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is in use (another server is running?); "
                        "stop it, or choose another port with --port.")
            if error.errno == errno.EACCES:
                return f"may not listen on port {port} (ports below 1024 need root); use --port."
            if error.errno == errno.EADDRNOTAVAIL:
                return f"--host {host} is not an address of this machine."
            return f"cannot listen on {host}:{port}: {error.strerror}."
    return None


def browser_host(host: str) -> str:
    """The host to put in a link for a browser on this machine: a server listening on
    every address is reached at the loopback one."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
