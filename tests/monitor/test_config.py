from __future__ import annotations

import pytest

from axonlab.errors import InputError
from axonlab.monitor import load_config
from axonlab.monitor.config import parse_duration


def test_durations():
    assert parse_duration("90s") == 90 and parse_duration("60m") == 3600
    assert parse_duration("1.5h") == 5400 and parse_duration("2d") == 172800
    assert parse_duration(30) == 30
    for bad in ("60", "1w", "-5m", "0s"):
        with pytest.raises(InputError):
            parse_duration(bad)


def test_paths_are_relative_to_the_config(tmp_path):
    path = tmp_path / "monitor.yaml"
    path.write_text("store: data/m.db\nsentiment: runs/fin\nsources:\n  - path: feeds\n")
    config = load_config(path)
    assert config.store == tmp_path / "data" / "m.db"
    assert config.sources[0].path == tmp_path / "feeds"
    assert config.window == 3600 and config.baseline == 14 * 86400


@pytest.mark.parametrize(
    ("yaml", "message", "line"),
    [
        (
            "store: m.db\nsentiment: r\nwindwo: 5m\n",
            "windwo: unknown key; did you mean 'window'",
            3,
        ),
        (
            "store: m.db\nsentiment: r\nrule:\n  cooldown: soon\n",
            "rule.cooldown: 'soon' is not a duration",
            4,
        ),
        ("store: m.db\nsentiment: r\nrules: [zscore, vibes]\n", "rules.1", 3),
        ("store: m.db\nsentiment: r\nsources:\n  - name: x\n", "sources.0: missing key .path.", 4),
        ("sentiment: r\n", "missing key .store.", None),
        (
            "store: m.db\nsentiment: r\nnegative: [bad]\npositive: [bad]\n",
            "negative and positive",
            None,
        ),
        ("- store\n", "expected a mapping", None),
    ],
)
def test_config_errors_name_the_key_path(tmp_path, yaml, message, line):
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml)
    with pytest.raises(InputError, match=message) as err:
        load_config(path)
    assert str(path) in str(err.value)
    if line is not None:
        assert err.value.line == line
