"""Reading corpora: files, folders, bad input; the held-out split; training windows."""

from __future__ import annotations

import pytest
import torch

from axonlab.errors import InputError
from axonlab.lm.data import TokenStream, read_text, split_text


def test_folder_is_joined_in_path_order(tmp_path):
    (tmp_path / "b.txt").write_text("second")
    (tmp_path / "a.txt").write_text("first")
    (tmp_path / ".hidden").write_text("skipped")
    assert read_text(tmp_path) == "first\nsecond"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"ok\nok\n\x00\x01", "line 3: holds a NUL"),
        (b"caf\xe9\n", "not UTF-8"),
    ],
)
def test_bad_files_are_named(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        read_text(path)
    assert str(path) in str(err.value)


def test_split_holds_out_the_last_tenth():
    train, val = split_text("a" * 90 + "b" * 10)
    assert (train, val) == ("a" * 90, "b" * 10)


def test_windows_are_shifted_targets_and_short_corpus_fails():
    stream = TokenStream(torch.arange(100))
    x, y = stream.batch(4, 8, torch.Generator().manual_seed(0))
    assert x.shape == (4, 8) and torch.equal(y, x + 1)
    with pytest.raises(InputError, match="fewer than one training window"):
        TokenStream(torch.arange(8)).check_window(8)


def test_sequential_lanes_continue_window_after_window_and_wrap():
    stream = TokenStream(torch.arange(101))  # 100 targets: 4 lanes of 25, 3 windows of 8 each
    x0, y0, fresh0 = stream.sequential_batch(4, 8, step=0)
    x1, _, fresh1 = stream.sequential_batch(4, 8, step=1)
    assert fresh0 and not fresh1 and torch.equal(y0, x0 + 1)
    assert torch.equal(x0[:, 0], torch.tensor([0, 25, 50, 75]))
    assert torch.equal(x1[:, 0], x0[:, -1] + 1)  # each lane picks up where it stopped
    x3, _, fresh3 = stream.sequential_batch(4, 8, step=3)  # past the lanes' ends: back to 0
    assert fresh3 and torch.equal(x3, x0)
    with pytest.raises(InputError, match="too few for 20 lanes"):
        stream.sequential_batch(20, 8, step=0)
