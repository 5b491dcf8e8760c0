"""A real DNS server on loopback UDP for tests: dnspython answers from a small zone.

`broken.test` answers SERVFAIL, names not in the zone NXDOMAIN; `silent_dns` is a bound
socket that never answers.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import dns.message
import dns.rcode
import dns.rrset

ZONE: dict[tuple[str, str], list[str]] = {
    ("a.test.", "A"): ["192.0.2.1", "192.0.2.2"],
    ("aaaa.test.", "AAAA"): ["2001:db8::1"],
    ("www.test.", "CNAME"): ["a.test."],
    ("test.", "MX"): ["10 mail.test."],
    ("test.", "NS"): ["ns1.test."],
    ("txt.test.", "TXT"): ['"v=spf1 -all"'],
}
SERVFAIL = {"broken.test."}


def answer(
    query: dns.message.Message, zone: dict[tuple[str, str], list[str]] | None = None
) -> dns.message.Message:
    zone = ZONE if zone is None else zone
    names = {name for name, _ in zone}
    response = dns.message.make_response(query)
    question = query.question[0]
    name = question.name.to_text().lower()
    rtype = dns.rdatatype.to_text(question.rdtype)
    if name in SERVFAIL:
        response.set_rcode(dns.rcode.SERVFAIL)
        return response
    if name not in names:
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response
    cname = zone.get((name, "CNAME"))
    if cname and rtype != "CNAME":  # follow one CNAME, as a recursive resolver would
        response.answer.append(dns.rrset.from_text(name, 300, "IN", "CNAME", *cname))
        name = cname[0]
    records = zone.get((name, rtype))
    if records:
        response.answer.append(dns.rrset.from_text(name, 300, "IN", rtype, *records))
    return response


@contextlib.contextmanager
def dns_server(zone: dict[tuple[str, str], list[str]] | None = None) -> Iterator[int]:
    """Serve `zone` (default ZONE) on 127.0.0.1 UDP; yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except OSError:
                return  # closed
            if data == b"stop":
                return
            query = dns.message.from_wire(data)
            sock.sendto(answer(query, zone).to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    try:
        yield port
    finally:
        stop.set()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as poke:
            poke.sendto(b"stop", ("127.0.0.1", port))
        thread.join(timeout=5)
        sock.close()


@contextlib.contextmanager
def silent_dns() -> Iterator[int]:
    """A UDP port that receives and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
