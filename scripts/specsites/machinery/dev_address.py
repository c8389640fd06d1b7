"""The preview's address (`-a/--dev-addr HOST:PORT`) and the host names it answers.

A page on any web site can make a browser send requests to 127.0.0.1 under a name
of its own that it points there (DNS rebinding); the request then carries that name
in its Host header. So the preview answers only the loopback names and the host it
was told to serve, and refuses every other Host. Pure: no sockets here.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from specsites.errors import Problem, SpecSitesError

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class DevAddress:
    host: str  # as given, without brackets: 127.0.0.1, localhost, ::1, 192.168.1.5, box.local
    port: int  # of the first site; 0: ports the system picks

    @property
    def url_host(self) -> str:
        """The host as written in a URL (an IPv6 address in brackets)."""
        return f"[{self.host}]" if ":" in self.host else self.host

    def url(self, port: int) -> str:
        return f"http://{self.url_host}:{port}/"

    @property
    def names(self) -> frozenset[str]:
        """The host names a request may carry: the loopback ones and the one asked for."""
        return LOOPBACK_NAMES | {self.host.lower()}


def parse_dev_addr(text: str, option: str = "--dev-addr") -> DevAddress:
    """HOST:PORT (or [IPv6]:PORT) as `mkdocs serve -a` takes it; SpecSitesError naming
    the option otherwise."""
    host, colon, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        host = ""  # an IPv6 address must be in brackets, or its last part reads as the port
    if not colon or not host or not port.isdigit() or int(port) > 65535 or any(c.isspace() or c in "/@?#[]" for c in host):
        raise SpecSitesError(Problem(option, 0, f"'{text}' is not HOST:PORT; give one like 127.0.0.1:8000, localhost:8000 or [::1]:8000"))
    return DevAddress(host, int(port))


def host_name(header: str) -> str:
    """The name part of a Host header value (`name`, `name:port`, `[v6]:port`), lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else ""
    return header.rpartition(":")[0] if ":" in header else header


def answers_host(header: str | None, address: DevAddress) -> bool:
    """Whether a request with this Host header is for this preview. A request without
    one (HTTP/1.0) comes from no browser, so no web page can have sent it."""
    if header is None:
        return True
    name = host_name(header)
    if name in address.names:
        return True
    try:  # the same address written another way (0x7f.1, ::ffff:127.0.0.1) is not a name
        return str(ipaddress.ip_address(name)) in {str(ipaddress.ip_address(n)) for n in address.names if _is_ip(n)}
    except ValueError:
        return False


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
