"""A push reporter for apps: reports this machine's load to statusgen (or Vigil).

    from statusgen.reporter import Reporter

    reporter = Reporter(
        "https://status.example.com", token, service="api", node="workers",
        replica="10.0.0.7", interval=30,
    ).start()        # reports now, then every `interval` seconds, in a daemon thread
    ...
    reporter.stop()  # optional; `reporter.flush()` also removes the replica

Each report is Vigil's: `POST <url>/reporter/<service>/<node>/` with HTTP Basic auth
(empty user, the token as password) and `{"replica", "interval", "load": {"cpu", "ram"}}`
where cpu is the 1-minute load average divided by the number of cores and ram the share
of memory in use (psutil: total minus available, over total). A failed report is retried
after half the interval, like Vigil's own reporters. Nothing here ever raises into the
host app once constructed: failures are logged (once per change from working to
failing) and counted.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from urllib.parse import quote

import httpx

from statusgen import USER_AGENT

log = logging.getLogger("statusgen.reporter")

Load = tuple[float, float]


def system_load() -> Load:
    """(cpu, ram): the 1-minute load average per core, and the used share of RAM."""
    import psutil

    try:
        one_minute = os.getloadavg()[0]
    except (AttributeError, OSError):
        one_minute = psutil.getloadavg()[0]
    cpu = one_minute / float(os.cpu_count() or 1)
    memory = psutil.virtual_memory()
    ram = (memory.total - memory.available) / float(memory.total or 1)
    return round(cpu, 4), round(ram, 4)


class Reporter:
    """Reports one replica's load every `interval` seconds from a background thread."""

    def __init__(
        self,
        url: str,
        token: str,
        service: str,
        node: str,
        replica: str,
        interval: float = 30.0,
        *,
        timeout: float = 10.0,
        load: Callable[[], Load] = system_load,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        for name, value in (
            ("url", url),
            ("token", token),
            ("service", service),
            ("node", node),
            ("replica", replica),
        ):
            if not isinstance(value, str) or not value:
                raise ValueError(f"Reporter: {name} must be a non-empty string")
        if not interval > 0:
            raise ValueError("Reporter: interval must be positive")
        self.interval = float(interval)
        self.replica = replica
        base = url.rstrip("/")
        path = f"/reporter/{quote(service, safe='')}/{quote(node, safe='')}/"
        self.report_url = base + path
        self.flush_url = f"{base}{path}{quote(replica, safe='')}/"
        self._load = load
        self._client = httpx.Client(
            auth=httpx.BasicAuth("", token),
            headers={"User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
            trust_env=False,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self.reported = 0
        self.failures = 0
        self.last_error: str | None = None

    # --- control -----------------------------------------------------------------------

    def start(self) -> Reporter:
        """Start reporting in a daemon thread (first report right away). Idempotent."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=self.run, name=f"statusgen-reporter-{self.replica}", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reporting (the server marks the replica dead after its delay)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def close(self) -> None:
        self.stop()
        self._client.close()

    def __enter__(self) -> Reporter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self) -> None:
        """Report until `stop()`: every interval, or after half of it when a report failed."""
        while not self._stop.is_set():
            ok = self.report_once()
            self._stop.wait(self.interval if ok else self.interval / 2)

    # --- one request -------------------------------------------------------------------

    def report_once(self) -> bool:
        """Send one report now; True when the server accepted it (HTTP 200)."""
        try:
            cpu, ram = self._load()
            body = {
                "replica": self.replica,
                "interval": max(1, round(self.interval)),
                "load": {"cpu": cpu, "ram": ram},
            }
            response = self._client.post(self.report_url, json=body)
            problem = None if response.status_code == 200 else _describe(response)
        except Exception as exc:  # never raise into the host app
            problem = f"{type(exc).__name__}: {exc}"
        return self._outcome(problem)

    def flush(self) -> bool:
        """Remove this replica from the server now (Vigil's flush route)."""
        try:
            response = self._client.delete(self.flush_url)
            problem = None if response.status_code == 200 else _describe(response)
        except Exception as exc:  # never raise into the host app
            problem = f"{type(exc).__name__}: {exc}"
        return self._outcome(problem)

    def _outcome(self, problem: str | None) -> bool:
        if problem is None:
            self.reported += 1
            if self._failing:
                log.info("statusgen reporter: reports accepted again (%s)", self.report_url)
            self._failing = False
            return True
        self.failures += 1
        self.last_error = problem
        if not self._failing:
            log.warning("statusgen reporter: report failed (%s): %s", self.report_url, problem)
        self._failing = True
        return False


def _describe(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}: {response.text.strip()[:200]}"
