"""probes/tls: reading a peer certificate and listing every problem it has, most useful
first (dates, name, trust), and the `tls.ca_file` setting that trusts an internal CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from statusgen.config import load_config
from statusgen.errors import ConfigError
from statusgen.probes import tls
from statusgen.probes.tls import PeerCertificate

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
CA = trustme.CA(organization_name="Acme Internal CA")


def leaf(*hosts: str, days: tuple[int, int] = (-30, 30)) -> PeerCertificate:
    cert = CA.issue_cert(
        *hosts,
        not_before=NOW + dt.timedelta(days=days[0]),
        not_after=NOW + dt.timedelta(days=days[1]),
    )
    return _parse(cert.cert_chain_pems[0].bytes())


def _parse(pem: bytes) -> PeerCertificate:
    return PeerCertificate.from_der(x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER))


def test_a_certificate_is_read_with_its_names_issuer_and_dates() -> None:
    cert = leaf("status.acme.test", "*.acme.test", "10.0.0.7")
    assert cert.dns_names == ("status.acme.test", "*.acme.test")
    assert cert.ip_addresses == (ipaddress.ip_address("10.0.0.7"),)
    assert cert.names == ("status.acme.test", "*.acme.test", "10.0.0.7")
    assert cert.issuer == "Acme Internal CA"
    assert cert.not_after == NOW + dt.timedelta(days=30)
    assert not cert.self_issued


@pytest.mark.parametrize(
    ("host", "matches"),
    [
        ("status.acme.test", True),
        ("STATUS.acme.test.", True),
        ("api.acme.test", True),  # the wildcard
        ("a.b.acme.test", False),  # a wildcard is one label
        ("acme.test", False),
        ("10.0.0.7", True),
        ("10.0.0.8", False),
        ("other.example", False),
    ],
)
def test_names_match_like_browsers(host: str, matches: bool) -> None:
    assert leaf("status.acme.test", "*.acme.test", "10.0.0.7").matches(host) is matches


@pytest.mark.parametrize(
    ("days", "host", "code", "expected"),
    [
        # What OpenSSL reports first, and what is really wrong, in the order to fix it.
        (
            (-30, -1),
            "other.example",
            20,
            [
                "certificate expired on 2026-12-01",
                "name mismatch",
                "untrusted issuer 'Acme Internal CA'",
            ],
        ),
        (
            (-30, -1),
            "a.test",
            20,
            ["certificate expired on 2026-12-01", "untrusted issuer 'Acme Internal CA'"],
        ),
        ((-30, -1), "a.test", 10, ["certificate expired on 2026-12-01"]),
        ((-30, -1), "b.test", 62, ["certificate expired on 2026-12-01", "name mismatch"]),
        ((5, 30), "a.test", 9, ["certificate not valid before 2026-12-07"]),
        ((-30, 30), "b.test", 62, ["name mismatch"]),
        ((-30, 30), "a.test", 20, ["untrusted issuer 'Acme Internal CA'"]),
        ((-30, -1), "b.test", None, ["certificate expired on 2026-12-01"]),  # unverified
        ((-30, 30), "b.test", None, []),  # unverified: only the dates are judged
        ((-30, 30), "a.test", 26, ["unsupported certificate purpose"]),
    ],
)
def test_problems_lists_everything_most_useful_first(
    days: tuple[int, int], host: str, code: int | None, expected: list[str]
) -> None:
    cert = leaf("a.test", days=days)
    assert tls.problems(cert, host, NOW, code, "unsupported certificate purpose") == expected


def test_a_self_issued_certificate_is_called_self_signed() -> None:
    cert = _parse(CA.cert_pem.bytes())
    assert cert.self_issued
    assert tls.problems(cert, "a.test", NOW, 18) == ["name mismatch", "self-signed certificate"]


def test_reason_joins_problems() -> None:
    assert tls.reason(["certificate expired on 2026-12-01", "name mismatch"]) == (
        "TLS: certificate expired on 2026-12-01, name mismatch"
    )


# --- tls.ca_file ------------------------------------------------------------------------

CONFIG = """
[page]
name = "Internal"
{global_tls}

[[services]]
id = "lan"
name = "LAN"

[[services.nodes]]
id = "wiki"
label = "Wiki"
replicas = ["https://wiki.lan/"]
{node_tls}

[[services.nodes]]
id = "git"
label = "Git"
replicas = ["https://git.lan/"]
"""


def _config(project, global_tls: str = "", node_tls: str = ""):  # noqa: ANN001, ANN202
    return project(CONFIG.format(global_tls=global_tls, node_tls=node_tls))


def test_ca_file_is_resolved_against_the_project_per_node_or_globally(
    project, tmp_path: Path
) -> None:
    (tmp_path / "config").mkdir(exist_ok=True)
    CA.cert_pem.write_to_path(str(tmp_path / "config" / "internal.pem"))
    CA.cert_pem.write_to_path(str(tmp_path / "wiki.pem"))
    config = load_config(
        _config(
            project,
            global_tls='[tls]\nca_file = "config/internal.pem"',
            node_tls='tls = { ca_file = "wiki.pem" }',
        )
    )
    wiki, git = config.services[0].nodes
    assert wiki.ca_file == tmp_path / "wiki.pem"
    assert git.ca_file == tmp_path / "config" / "internal.pem"


def test_without_ca_file_nodes_trust_the_system_only(project) -> None:
    config = load_config(_config(project))
    assert [n.ca_file for n in config.services[0].nodes] == [None, None]


def test_a_missing_or_non_pem_ca_file_is_a_config_error_naming_the_key(
    project, tmp_path: Path
) -> None:
    (tmp_path / "junk.pem").write_text("not a certificate")
    path = _config(
        project,
        global_tls='[tls]\nca_file = "missing.pem"',
        node_tls='tls = { ca_file = "junk.pem" }',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value.message)
    assert f"{path}: tls.ca_file: cannot read " in message
    assert "no such file or directory" in message
    assert f"{path}: services[0].nodes[0].tls.ca_file: " in message
    assert "holds no PEM certificate" in message
