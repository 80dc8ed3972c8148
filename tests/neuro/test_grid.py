"""``axonlab sim sweep SPEC --set ...``: a parameter grid over one spec (axonlab.neuro.grid)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from axonlab.errors import InputError
from axonlab.neuro.engine import loop as engine
from axonlab.neuro.grid import isi_cv, parse_setting, run_grid
from tests.paths import ROOT

CUBA = ROOT / "examples/neuro/cuba.yaml"
GRID = {"populations.exc.model.tau_m": [10, 20], "connections.0.weight": [0.05, 0.1]}


def test_grid_has_one_row_per_point_in_order_and_compiles_the_engine_once():
    before = len(engine.run_steps.signatures)
    table = run_grid(CUBA, GRID, duration=50.0)
    assert len(engine.run_steps.signatures) <= max(before, 1)  # every point reused it
    rows = table["rows"]
    assert [(r["populations.exc.model.tau_m"], r["connections.0.weight"]) for r in rows] == [
        (10, 0.05), (10, 0.1), (20, 0.05), (20, 0.1)
    ]  # fmt: skip
    for row in rows:
        assert row["exc.rate_hz"] >= 0 and row["exc.atp"] >= 0 and row["exc.glucose"] >= 0
    # stronger excitation, more spikes (same seed, same connectivity)
    assert rows[1]["exc.rate_hz"] > rows[0]["exc.rate_hz"]


def test_parallel_grid_gives_the_serial_table():
    serial = run_grid(CUBA, GRID, duration=50.0)["rows"]
    parallel = run_grid(CUBA, GRID, duration=50.0, jobs=2)["rows"]
    drop = lambda rows: [{k: v for k, v in r.items() if k != "sim_seconds"} for r in rows]  # noqa: E731
    assert drop(parallel) == drop(serial)


def test_cli_writes_the_table(tmp_path):
    from typer.testing import CliRunner

    from axonlab.cli import app

    out_csv = tmp_path / "table.csv"
    args = ["sim", "sweep", str(CUBA), "--set", "populations.exc.model.tau_m=[10,20]",
            "--duration", "30", "--output", str(out_csv), "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["rows"]) == 2
    with open(out_csv) as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["populations.exc.model.tau_m"]) for r in rows] == [10.0, 20.0]


def test_bad_settings_are_refused_before_any_run():
    with pytest.raises(InputError, match="did you mean 'tau_m'"):
        run_grid(CUBA, {"populations.exc.model.tau_x": [1]})
    with pytest.raises(InputError, match="neither an index"):
        run_grid(CUBA, {"connections.9.weight": [1]})
    with pytest.raises(InputError, match="expected KEY.PATH"):
        parse_setting("tau_m")
    assert parse_setting("a.b=[1, 2.5]") == ("a.b", [1, 2.5])
    assert parse_setting("a.b=3") == ("a.b", [3])


def test_isi_cv_of_regular_and_poisson_trains():
    rng = np.random.default_rng(0)
    regular = np.arange(0, 1000, 10.0)
    poisson = np.cumsum(rng.exponential(10.0, 5000))
    times = np.concatenate([regular, poisson])
    neurons = np.concatenate([np.zeros(regular.size, int), np.ones(poisson.size, int)])
    assert isi_cv(regular, np.zeros(regular.size, int)) == pytest.approx(0.0, abs=1e-9)
    assert isi_cv(times, neurons) == pytest.approx((0.0 + 1.0) / 2, abs=0.03)
