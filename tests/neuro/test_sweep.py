"""``axonlab sim sweep``: many specs, one table, the same from the local and the Ray engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from axonlab.errors import InputError
from axonlab.neuro.sweep import run_sweep
from tests.paths import ROOT

EXAMPLES = ROOT / "examples" / "neuro"


def _specs(tmp_path: Path) -> list[Path]:
    """The synapse-pair example at three synaptic strengths (a 3-point sweep)."""
    text = (EXAMPLES / "synapse_pair.yaml").read_text()
    specs = []
    for g in (0.01, 0.1, 1.0):
        path = tmp_path / f"pair_g{g}.yaml"
        path.write_text(
            text.replace("g_max: 0.1", f"g_max: {g}").replace("duration: 50", "duration: 20")
        )
        specs.append(path)
    return specs


def test_a_local_sweep_keeps_the_order_given(tmp_path):
    specs = _specs(tmp_path)
    table = run_sweep(specs[::-1])
    assert [run["spec"] for run in table["runs"]] == [str(s) for s in specs[::-1]]
    spikes = {run["spec"]: run["populations"]["post"]["n_spikes"] for run in table["runs"]}
    assert spikes[str(specs[0])] <= spikes[str(specs[2])]  # a stronger synapse, no fewer spikes


def test_a_bad_spec_stops_the_sweep_before_any_run(tmp_path):
    specs = _specs(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("dt: 0.01\nduraton: 5\n")
    with pytest.raises(InputError, match="bad.yaml"):
        run_sweep([*specs, bad])
    with pytest.raises(InputError, match="unknown engine"):
        run_sweep(specs, engine="slurm")


@pytest.mark.slow
def test_the_ray_engine_makes_the_same_table(axonlab, tmp_path):
    specs = _specs(tmp_path)
    tables = {}
    for engine in ("local", "ray"):
        code, out, err = axonlab("sim", "sweep", *specs, "--engine", engine, "--workers", "2",
                                 "--json")  # fmt: skip
        assert code == 0, err
        tables[engine] = json.loads(out)["runs"]
    strip = lambda runs: [{k: v for k, v in r.items() if "seconds" not in k} for r in runs]  # noqa: E731
    assert strip(tables["ray"]) == strip(tables["local"])
