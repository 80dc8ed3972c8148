"""``axonlab serve`` as a user runs it: a real process on a loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from axonlab.cli import app
from axonlab.errors import InputError

AXONLAB = [sys.executable, "-c", "from axonlab.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serves_run_directories_on_loopback(tiny_runs):
    port = free_port()
    server = subprocess.Popen(
        [*AXONLAB, "serve", str(tiny_runs["spam"]), str(tiny_runs["ner"]), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.communicate()[0]
            assert time.monotonic() < deadline, "server did not come up in 60 s"
            time.sleep(0.2)
        names = [m["name"] for m in httpx.get(base + "/v1/models").json()["models"]]
        assert names == ["spam", "ner"]
        answer = httpx.post(base + "/v1/models/spam/predict", json={"inputs": ["a", "b"]})
        assert len(answer.json()["predictions"]) == 2
        assert "<title>axonlab serve</title>" in httpx.get(base + "/").text
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert f"http://127.0.0.1:{port}/" in output  # bound to loopback by default


def test_bad_run_directory_exits_1_with_one_line():
    result = subprocess.run(
        [*AXONLAB, "serve", "/no/such/run"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "run directory" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", ".", "--max-batch-size", "0"], "--max-batch-size: Input should be greater"),
        (["serve", ".", "--backend", "torch", "--quantize"], "--quantize needs --backend onnx"),
    ],
)
def test_bad_options_are_input_errors(args, message):
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, InputError)
    assert message in str(result.exception)


def test_help_lists_the_options():
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--max-batch-size", "--max-wait-ms", "--backend"):
        assert option in result.output


@pytest.fixture()
def captured_settings(monkeypatch):
    """Run ``axonlab serve`` up to the point it would listen; capture its settings and how the
    runs were loaded."""
    import axonlab.serve
    import axonlab.serve.app

    seen: dict = {}

    def load_runs(run_dirs, *, backend, quantize):
        seen.update(backend=backend, quantize=quantize)
        return {}

    monkeypatch.setattr(axonlab.serve, "load_runs", load_runs)
    monkeypatch.setattr(
        axonlab.serve.app, "serve_forever", lambda app, settings: seen.update(settings=settings)
    )
    return seen


def test_flag_beats_environment_beats_default(axonlab, captured_settings, monkeypatch, tmp_path):
    """Contract: AXONLAB_SERVE_PORT=P axonlab serve RUN listens on P unless --port is given."""
    assert axonlab("serve", tmp_path)[0] == 0
    assert captured_settings["settings"].port == 8000  # the default
    monkeypatch.setenv("AXONLAB_SERVE_PORT", "8123")
    monkeypatch.setenv("AXONLAB_SERVE_MAX_BATCH_SIZE", "7")
    monkeypatch.setenv("AXONLAB_SERVE_BACKEND", "torch")
    assert axonlab("serve", tmp_path)[0] == 0
    settings = captured_settings["settings"]
    assert (settings.port, settings.max_batch_size) == (8123, 7)
    assert captured_settings["backend"] == "torch" and not captured_settings["quantize"]
    assert axonlab("serve", tmp_path, "--port", "8124")[0] == 0
    assert captured_settings["settings"].port == 8124  # the flag wins
    assert captured_settings["settings"].max_batch_size == 7


def test_a_bad_environment_value_names_its_variable(
    axonlab, captured_settings, monkeypatch, tmp_path
):
    monkeypatch.setenv("AXONLAB_SERVE_PORT", "99999")
    code, _, err = axonlab("serve", tmp_path)
    assert code == 1 and "--port (from AXONLAB_SERVE_PORT)" in err
