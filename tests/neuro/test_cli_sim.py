"""`axonlab sim run`: its JSON contract and its one-line errors (axonlab.cli.sim)."""

from __future__ import annotations

import json

from tests.neuro.helpers import ROOT


def test_cli_json_contract():
    from typer.testing import CliRunner

    from axonlab.cli import app

    out = CliRunner().invoke(app, ["sim", "run", str(ROOT / "examples/neuro/cuba.yaml"),
                                   "--duration", "50", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["sim_seconds"] > 0
    assert data["populations"]["exc"]["n_spikes"] > 0 and data["inh"]["rate_hz"] > 0
