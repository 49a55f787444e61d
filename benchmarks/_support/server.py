"""The app server of ``booking_submit.py``: gunicorn configurations, its environment, start/stop.

Every process started here is in ``children`` and stopped (with its process group) at exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DB_NAME = "fk_bench_booking"
# --server-binding swaps in bench_settings (psycopg server-side binding).
SETTINGS_MODULE = "config.settings"


@dataclass(frozen=True)
class ServerConfig:
    worker_class: str  # "sync" or "gthread"
    workers: int
    threads: int = 1

    @property
    def label(self) -> str:
        return (
            f"sync:{self.workers}"
            if self.worker_class == "sync"
            else f"gthread:{self.workers}x{self.threads}"
        )

    def gunicorn_args(self) -> list[str]:
        args = ["--workers", str(self.workers), "--worker-class", self.worker_class]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        return args

    @classmethod
    def parse(cls, text: str) -> ServerConfig:
        kind, _, size = text.strip().partition(":")
        if kind == "sync":
            return cls("sync", int(size or 3))
        if kind == "gthread":
            workers, _, threads = (size or "3x4").partition("x")
            return cls("gthread", int(workers), int(threads or 4))
        raise SystemExit(f"bad server config {text!r}: use sync:N or gthread:NxT")



def bench_env() -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "DEBUG": "false",
        # The per-IP limits (120/min on the booking API) would stop a one-IP load generator.
        "RATELIMIT_ENABLE": "false",
        "SECRET_KEY": "bench-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "600",
        "ROOT_URLCONF": "benchmarks._support.bench_urls",
        "LOG_LEVEL": "WARNING",
        "SMS_BACKEND": "outbox",
        "PYTHONPATH": str(REPO),
    }



children: list[subprocess.Popen] = []


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process we started (and its process group, i.e. gunicorn's workers)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait(5)


def cleanup() -> None:
    while children:
        _stop(children.pop())


def on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    config: ServerConfig
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.config.gunicorn_args(),
            "--backlog",
            "2048",
            "--keep-alive",
            "5",
            "--timeout",
            "60",
            "--worker-tmp-dir",
            "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir(),
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
        ]

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.command(),
            cwd=REPO,
            env={**os.environ, **bench_env()},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole, not by the terminal's ^C
        )
        children.append(self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/rounds", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            if self.proc in children:
                children.remove(self.proc)

    def error_lines(self) -> int:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return sum(1 for line in text.splitlines() if "Traceback" in line or "[ERROR]" in line)

