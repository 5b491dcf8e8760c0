"""Conditions in Gatus' syntax: the parser and the pure evaluator, as tables.

The first table is Gatus' own documented examples (README, "Conditions"), each with a
passing and a failing value from that table.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.conditions import (
    BODY_CAP_REASON,
    ConditionError,
    Facts,
    check,
    failures,
    parse_condition,
    reads_body,
    to_jsonpath,
)

HOUR = 3600.0

# (condition, facts that pass, facts that fail)
GATUS_EXAMPLES = [
    ("[STATUS] == 200", Facts(status=200), Facts(status=201)),
    ("[STATUS] < 300", Facts(status=299), Facts(status=301)),
    ("[STATUS] <= 299", Facts(status=299), Facts(status=301)),
    ("[STATUS] > 400", Facts(status=401), Facts(status=400)),
    ("[STATUS] == any(200, 429)", Facts(status=429), Facts(status=201)),
    ("[CONNECTED] == true", Facts(connected=True), Facts(connected=False)),
    ("[RESPONSE_TIME] < 500", Facts(response_time=0.2), Facts(response_time=0.501)),
    ("[IP] == 127.0.0.1", Facts(ip="127.0.0.1"), Facts(ip="0.0.0.0")),
    ("[BODY] == 1", Facts(body="1"), Facts(body="{}")),
    ("[BODY].user.name == john", Facts(body='{"user":{"name":"john"}}'), Facts(body="{}")),
    ("[BODY].data[0].id == 1", Facts(body='{"data":[{"id":1}]}'), Facts(body='{"data":[]}')),
    ("[BODY].age == [BODY].id", Facts(body='{"age":1,"id":1}'), Facts(body='{"age":1,"id":2}')),
    ("len([BODY].data) < 5", Facts(body='{"data":[{"id":1}]}'), Facts(body='{"data":[1,2,3,4,5]}')),
    ("len([BODY].name) == 8", Facts(body='{"name":"john.doe"}'), Facts(body='{"name":"bob"}')),
    ("has([BODY].errors) == false", Facts(body='{"name":"john.doe"}'), Facts(body='{"errors":[]}')),
    ("has([BODY].users) == true", Facts(body='{"users":[]}'), Facts(body="{}")),
    ("[BODY].name == pat(john*)", Facts(body='{"name":"john.doe"}'), Facts(body='{"name":"bob"}')),
    ("[BODY].id == any(1, 2)", Facts(body='{"id":2}'), Facts(body='{"id":3}')),
    (
        "[CERTIFICATE_EXPIRATION] > 48h",
        Facts(certificate_expiration=49 * HOUR),
        Facts(certificate_expiration=24 * HOUR),
    ),
    ("[IP] == pat(192.168.*)", Facts(ip="192.168.0.232"), Facts(ip="10.0.0.1")),
    ("[BODY].ip == any(127.0.0.1, ::1)", Facts(body='{"ip":"::1"}'), Facts(body='{"ip":"::2"}')),
    ("[DNS_RCODE] == NOERROR", Facts(dns_rcode="NOERROR"), Facts(dns_rcode="NXDOMAIN")),
    (
        "[BODY].version == pat(2.*)",
        Facts(body='{"version":"2.4.1"}'),
        Facts(body='{"version":"1.9"}'),
    ),
    ("[STATUS] == any(200, 204)", Facts(status=204), Facts(status=500)),
]


@pytest.mark.parametrize(("condition", "passing", "failing"), GATUS_EXAMPLES)
def test_gatus_documented_examples(condition: str, passing: Facts, failing: Facts) -> None:
    parsed = parse_condition(condition)
    assert check(parsed, passing) is None
    assert check(parsed, failing) is not None


@pytest.mark.parametrize(
    ("condition", "facts", "reason"),
    [
        (
            "[BODY].status == UP",
            Facts(body='{"status":"DOWN"}'),
            "[BODY].status: expected UP, got DOWN",
        ),
        ("[STATUS] == 200", Facts(status=503), "[STATUS]: expected 200, got 503"),
        ("[STATUS] != 500", Facts(status=500), "[STATUS]: expected not 500, got 500"),
        (
            "[RESPONSE_TIME] < 300",
            Facts(response_time=0.512),
            "[RESPONSE_TIME]: expected < 300, got 512",
        ),
        (
            "len([BODY].items) > 0",
            Facts(body='{"items":[]}'),
            "len([BODY].items): expected > 0, got 0",
        ),
        ("[BODY].missing == 1", Facts(body="{}"), "[BODY].missing: no such path in the body"),
        ("[BODY].status == UP", Facts(body="<html>"), "[BODY].status: body is not JSON"),
        (
            "[BODY].status == UP",
            Facts(body='{"status":"UP"}', body_truncated=True),
            f"[BODY].status: {BODY_CAP_REASON}",
        ),
        ("[STATUS] == 200", Facts(connected=True), "[STATUS]: no HTTP status (not an HTTP answer)"),
        (
            "[STATUS] == any(200, 204)",
            Facts(status=500),
            "[STATUS]: expected any of 200, 204, got 500",
        ),
        (
            "[BODY].v == pat(2.*)",
            Facts(body='{"v":"1.0"}'),
            "[BODY].v: expected pattern 2.*, got 1.0",
        ),
        (
            "[IP] != pat(10.*)",
            Facts(ip="10.0.0.1"),
            "[IP]: expected not pattern 10.*, got 10.0.0.1",
        ),
        (
            "[CERTIFICATE_EXPIRATION] > 48h",
            Facts(certificate_expiration=30 * HOUR),
            "[CERTIFICATE_EXPIRATION]: expected > 48h, got 30h",
        ),
        (
            "[BODY].a == [BODY].b",
            Facts(body='{"a":1,"b":2}'),
            "[BODY].a: expected [BODY].b (2), got 1",
        ),
        ("[STATUS] < abc", Facts(status=200), "[STATUS]: expected < abc, got 200"),
    ],
)
def test_failing_conditions_are_named_in_the_reason(
    condition: str, facts: Facts, reason: str
) -> None:
    assert check(parse_condition(condition), facts) == reason


@pytest.mark.parametrize(
    ("condition", "facts"),
    [
        ("[BODY].ok == true", Facts(body='{"ok":true}')),
        ("[BODY].n == 1.0", Facts(body='{"n":1}')),
        ('[BODY].obj == {"a":1}', Facts(body='{"obj":{"a":1}}')),
        ("[BODY].key-with-dash == x", Facts(body='{"key-with-dash":"x"}')),
        ("[BODY][1] == b", Facts(body='["a","b"]')),
        ("[BODY] == hello world", Facts(body="hello world\n")),
        ("[CERTIFICATE_EXPIRATION] > 1h30m", Facts(certificate_expiration=2 * HOUR)),
        ("[CERTIFICATE_EXPIRATION] >= 2d", Facts(certificate_expiration=48 * HOUR)),
        ("[RESPONSE_TIME] <= 1s", Facts(response_time=0.9)),
        ("[STATUS]==200", Facts(status=200)),
        ("200 == [STATUS]", Facts(status=200)),
        ("[BODY].msg == a<b", Facts(body='{"msg":"a<b"}')),
    ],
)
def test_conditions_that_hold(condition: str, facts: Facts) -> None:
    assert check(parse_condition(condition), facts) is None


@pytest.mark.parametrize(
    ("condition", "column", "message"),
    [
        ("[DOMAIN_EXPIRATION] > 720h", 1, "unknown placeholder [DOMAIN_EXPIRATION]"),
        ("[STATUS] = 200", 15, "no operator"),
        ("[STATUS] ==", 12, "nothing on the right"),
        ("== 200", 1, "nothing on the left"),
        ("[STATUS == 200", 1, "[ is not closed"),
        ("len([STATUS]) > 1", 5, "len() works only with [BODY]"),
        ("[BODY].a == pat(x", 18, "pat( is not closed"),
        ("[STATUS] < any(1, 2)", 12, "any() works only with == and !="),
        ("pat(2*) == [STATUS]", 1, "pat() belongs on the right"),
        ("[BODY].a[x] == 1", 9, "expected [number]"),
        ("[STATUS].code == 1", 9, "only [BODY] takes a path"),
        ("UP == UP", 1, "no placeholder to check"),
        ("[BODY]. == 1", 8, "expected a key after '.'"),
    ],
)
def test_malformed_conditions_name_the_column(condition: str, column: int, message: str) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(condition)
    assert caught.value.column == column, str(caught.value)
    assert message in caught.value.message


def test_response_time_and_certificate_failures_make_sick_others_dead() -> None:
    conditions = [
        parse_condition(c)
        for c in ("[STATUS] == 200", "[RESPONSE_TIME] < 100", "[CERTIFICATE_EXPIRATION] > 48h")
    ]
    facts = Facts(status=500, response_time=0.5, certificate_expiration=HOUR)
    found = failures(conditions, facts)
    assert [(f.condition, f.sick) for f in found] == [
        ("[STATUS] == 200", False),
        ("[RESPONSE_TIME] < 100", True),
        ("[CERTIFICATE_EXPIRATION] > 48h", True),
    ]


def test_only_body_conditions_need_the_body() -> None:
    assert reads_body([parse_condition("len([BODY]) > 0")])
    assert not reads_body([parse_condition("[STATUS] == 200")])


@pytest.mark.parametrize(
    ("path", "expected"),
    [((), "$"), (("a", "b", 0), '$["a"]["b"][0]'), (("x y",), '$["x y"]')],
)
def test_gatus_paths_become_jsonpath(path: tuple, expected: str) -> None:
    assert to_jsonpath(path) == expected


def test_a_malformed_condition_is_a_config_error_with_key_and_column(tmp_path, monkeypatch):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "statusgen.toml").write_text(
        '[page]\nname = "x"\n[[services]]\nid = "web"\nname = "Web"\n'
        '[[services.nodes]]\nid = "site"\nlabel = "Site"\nreplicas = ["http://127.0.0.1:9/"]\n'
        'conditions = ["[STATUS] == 200", "[DOMAIN_EXPIRATION] > 720h"]\n'
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert (
        "config/statusgen.toml: services[0].nodes[0].conditions[1]: '[DOMAIN_EXPIRATION] > 720h' "
        "at column 1: unknown placeholder [DOMAIN_EXPIRATION]" in result.output
    )
