"""`axonlab sim run`: its JSON contract and its one-line errors (axonlab.cli.sim)."""

from __future__ import annotations

import json
import sys

import pytest

from axonlab import neuro
from tests.paths import ROOT

PAIR = str(ROOT / "examples/neuro/synapse_pair.yaml")


def test_cli_json_contract():
    from typer.testing import CliRunner

    from axonlab.cli import app

    out = CliRunner().invoke(
        app, ["sim", "run", str(ROOT / "examples/neuro/cuba.yaml"), "--duration", "50", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["sim_seconds"] > 0
    assert data["duration_ms"] == 50.0
    assert data["populations"]["exc"]["n_spikes"] > 0 and data["inh"]["rate_hz"] > 0


def _axonlab(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the console entry point as a user would: (exit code, stdout, stderr)."""
    from axonlab.cli import main

    monkeypatch.setattr(sys, "argv", ["axonlab", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a simulation starts: the errors below must come before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the simulation ran before the mistake was reported")

    monkeypatch.setattr(neuro.Network, "run", refuse)


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 1
    assert "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_a_duration_that_is_not_positive_is_refused_not_ignored(
    monkeypatch, capsys, no_simulation, value
):
    code, _, err = _axonlab(monkeypatch, capsys, "sim", "run", PAIR, f"--duration={value}")
    _one_line_error(code, err, "--duration must be a positive number of ms")


def test_the_duration_option_is_honoured(monkeypatch, capsys):
    code, out, _ = _axonlab(monkeypatch, capsys, "sim", "run", PAIR, "--duration", "20", "--json")
    assert code == 0 and json.loads(out)["duration_ms"] == 20.0


@pytest.mark.parametrize(
    ("flag", "name", "needle"),
    [
        ("--plot", "", "is a folder"),
        ("--plot", "figure.foo", "extension .foo"),
        ("--plot", "figure", "no extension"),
        ("--plot", "a_file/figure.png", "is a file, not a folder"),
        ("--save", "", "is a folder"),
        ("--save", "run.txt", "extension .txt; a data file is written as one of .npz"),
        ("--save", "a_file/run.npz", "is a file, not a folder"),
    ],
)
def test_a_bad_output_path_is_reported_before_the_simulation(
    monkeypatch, capsys, tmp_path, no_simulation, flag, name, needle
):
    (tmp_path / "a_file").write_text("mine")
    code, _, err = _axonlab(monkeypatch, capsys, "sim", "run", PAIR, flag, str(tmp_path / name))
    _one_line_error(code, err, flag, needle)
    assert (tmp_path / "a_file").read_text() == "mine"


def test_an_unwritable_output_folder_is_reported_before_the_simulation(
    monkeypatch, capsys, no_simulation
):
    # /proc takes no new files, even for root (file permissions would not stop root)
    code, _, err = _axonlab(monkeypatch, capsys, "sim", "run", PAIR, "--save", "/proc/run.npz")
    _one_line_error(code, err, "--save /proc/run.npz: cannot write in /proc")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            "duraton: 10\npopulations:\n  a: {model: lif}\n",
            "line 1: duraton: unknown key; did you mean 'duration'?",
        ),
        (
            "duration: .inf\npopulations:\n  a: {model: lif}\n",
            "line 1: duration: Input should be a finite number",
        ),
        (
            "duration: 10\npopulations:\n  a: {model: lif}\nstimuli:\n"
            "  - {population: a, current: 1, start: 5, stop: 2}\n",
            "stop (2 ms) must come after",
        ),
        (
            "duration: 10\ndt: 0.01\npopulations:\n  a: {model: hh, params: {g_l: -0.3}}\n",
            "populations.a.params: HodgkinHuxley.g_l must be >= 0",
        ),
    ],
)
def test_spec_mistakes_are_one_line_errors(
    monkeypatch, capsys, tmp_path, no_simulation, text, needle
):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    code, _, err = _axonlab(monkeypatch, capsys, "sim", "run", str(spec))
    _one_line_error(code, err, str(spec), needle)


def test_the_f_i_example_reports_its_f_i_curve(monkeypatch, capsys, tmp_path):
    spec = str(ROOT / "examples/neuro/hh_fi.yaml")
    code, out, _ = _axonlab(monkeypatch, capsys, "sim", "run", spec, "--duration", "60", "--json")
    curve = json.loads(out)["fi_curves"]["hh"]
    assert code == 0 and curve["current_ua_cm2"] == [0, 2, 3, 5, 6.5, 7, 10, 15, 20]
    assert curve["rate_hz"][:4] == [0, 0, 0, 0] and min(curve["rate_hz"][4:]) > 45
    code, out, _ = _axonlab(
        monkeypatch,
        capsys,
        "sim",
        "run",
        spec,
        "--duration",
        "60",
        "--plot",
        str(tmp_path / "fi.svg"),
    )
    assert code == 0 and "f-I curve of hh (0-60 ms):" in out and "20 uA/cm2 ->" in out
    assert "f-I curve" in (tmp_path / "fi.svg").read_text()  # the figure has the panel
