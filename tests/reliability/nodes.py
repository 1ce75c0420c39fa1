"""The servers of the multi-node test: web nodes and Celery workers started with the commands of
deploy/systemd/, and an S3 emulator (moto's server mode) on loopback.

The commands are the units' ExecStart lines with the venv, the port and the host name filled in,
so that a change of the production arguments is a change of what the test runs.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
UNIT_VENV = "/srv/saualnama/.venv/bin/"


def unit_command(unit: str, **substitutions: str) -> list[str]:
    """The ExecStart of `unit` as arguments, run from this venv, with %i, %H... replaced."""
    text = (UNITS / unit).read_text().replace("\\\n", " ")
    line = next(row for row in text.splitlines() if row.startswith("ExecStart="))
    command = line.removeprefix("ExecStart=")
    for key, value in substitutions.items():
        command = command.replace(f"%{key}", value)
    arguments = shlex.split(command)
    assert arguments[0].startswith(UNIT_VENV), arguments[0]
    program = arguments[0].removeprefix(UNIT_VENV)
    return [sys.executable, "-m", program, *arguments[1:]]


def unit_environment(unit: str) -> dict[str, str]:
    """The unit's own Environment= lines (the rest comes from /etc/saualnama/env: the test's)."""
    found = re.findall(r"^Environment=(\w+)=(\S*)$", (UNITS / unit).read_text(), re.M)
    return dict(found)


def process_stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop the process group of `process` (gunicorn's and Celery's children too)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


def process_start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    output = log.open("a")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )


def web_node_start(*, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = unit_command("saualnama-web@.service", i=str(port))
    process = process_start(command, env, log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}: {log.read_text()}")
        try:
            requests.get(base + "/health/live", timeout=30)
            return process
        except requests.RequestException:
            if time.monotonic() > deadline:
                process_stop(process, signal.SIGKILL)
                raise RuntimeError(f"gunicorn did not answer within 120 s ({log})") from None
            time.sleep(0.2)


def worker_start(*, name: str, app: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A worker as saualnama-worker.service runs it, with the Celery app `app`."""
    command = unit_command("saualnama-worker.service", H=name)
    command[command.index("-A") + 1] = app
    return process_start(command, env, log)


class S3Emulator:
    """moto's S3 server on a free loopback port, with one bucket."""

    def __init__(self, port: int, bucket: str) -> None:
        from moto.server import ThreadedMotoServer

        self.port, self.bucket = port, bucket
        self.url = f"http://127.0.0.1:{port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)

    def start(self) -> None:
        self.server.start()
        self.client().create_bucket(Bucket=self.bucket)

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def environment(self) -> dict[str, str]:
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.url,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "testing",
            "S3_SECRET_ACCESS_KEY": "testing",
        }

    def stop(self) -> None:
        self.server.stop()


class FormFields(HTMLParser):
    """The fields a browser would post from the first form whose action matches, as pairs."""

    def __init__(self, action: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = self.done = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._selected: list[str] = []
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done:
            self.inside = self.action is None or a.get("action", "") == self.action
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._selected, self._first_option = name, [], None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected.append(value)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "form":
            self.inside, self.done = False, True
        elif tag == "select" and self._select is not None:
            chosen = self._selected or ([self._first_option] if self._first_option else [])
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_fields(page: str, action: str | None = None) -> list[tuple[str, str]]:
    parser = FormFields(action)
    parser.feed(page)
    return parser.fields


def csrf_token(page: str) -> str:
    return dict(form_fields(page)).get("csrfmiddlewaretoken") or re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', page
    ).group(1)
