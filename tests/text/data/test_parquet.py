"""Parquet tables: read as training/prediction input, written as embedding output."""

from __future__ import annotations

import numpy as np
import pytest

from axonlab.errors import InputError
from axonlab.text.data.labelled import read_labelled
from axonlab.text.embeddings import files as embedding_files
from axonlab.text.embeddings.encoder import SentenceEncoder

pa = pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (the parquet extra)")
pq = pytest.importorskip("pyarrow.parquet")


def _table(path, **columns):
    pq.write_table(pa.table(columns), str(path), row_group_size=2)  # several row groups
    return path


def test_a_parquet_table_reads_like_a_csv(tmp_path):
    path = _table(tmp_path / "t.parquet", text=["good film", "bad film", "fine", "awful"],
                  label=[1, 0, 1, 0])  # fmt: skip
    data = read_labelled(path)
    assert data.texts == ["good film", "bad film", "fine", "awful"]
    assert data.labels == ["1", "0", "1", "0"] and data.lines == [2, 3, 4, 5]
    bad = _table(tmp_path / "bad.parquet", text=["ok", None], label=["a", "b"])
    with pytest.raises(InputError, match="empty or missing text") as err:
        read_labelled(bad)
    assert err.value.line == 3
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_labelled(tmp_path / "junk.parquet")


def test_embeddings_to_parquet_match_the_npy(tiny_backbone, tmp_path):
    source = tmp_path / "texts.tsv"
    source.write_text("text\n" + "\n".join(f"sentence number {i}" for i in range(7)) + "\n")
    encoder = SentenceEncoder(tiny_backbone)
    embedding_files.embed_file(encoder, source, tmp_path / "v.npy", progress=False)
    embedding_files.embed_file(encoder, source, tmp_path / "v.parquet", progress=False)
    table = pq.read_table(tmp_path / "v.parquet")
    assert table.column("row").to_pylist() == list(range(7))
    vectors = np.asarray(table.column("embedding").to_pylist(), dtype=np.float32)
    np.testing.assert_array_equal(vectors, np.load(tmp_path / "v.npy"))
    assert not list(tmp_path.glob("*.partial*"))
