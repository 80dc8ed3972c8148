"""Write a per-codepoint replacement table as a SentencePiece ``precompiled_charsmap``.

The tokenizers ``Precompiled`` normaliser reads that binary format (it is how Hugging Face
stores an XLM-R or T5 normaliser): a little-endian u32 byte size of a Darts-clone double-array
trie, the trie's u32 units, then the replacement strings, each ending in a NUL byte. A trie key
is a codepoint's UTF-8 bytes; its value is the byte offset of its replacement string.

Double-array units, as ``spm_precompiled`` (the crate tokenizers uses) decodes them: bits 0-7 the
label (the byte that leads to the node; bit 31 set on a value unit so no label matches it), bit
8 "has a value" (stored as the child with label 0), bits 10-30 the XOR offset from the node's
position to its children's base; a child with byte ``c`` of a node at ``p`` sits at
``p ^ offset ^ c``. Every node gets its own base, so a probe that lands on another node's child
never finds a matching label.

One table is hundreds of times faster than one ``Replace`` step per replacement (measured for
4,837 entries in ``benchmarks/bench_multilingual.py``).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from axonlab.errors import InputError

BLOCK = 256  # a base's children, base ^ 0..255, all sit in its 256-unit block
MAX_OFFSET = 1 << 21  # larger offsets need the shifted encoding, which this writer avoids
LEAF_BIT, VALUE_BIT = 1 << 8, 1 << 31


class _Node:
    __slots__ = ("children", "value", "base")

    def __init__(self) -> None:
        self.children: dict[int, _Node] = {}
        self.value: int | None = None
        self.base = 0


def build_charsmap(table: Mapping[int, str]) -> bytes:
    """The ``precompiled_charsmap`` bytes replacing each codepoint key of ``table`` by its
    string (``""`` deletes it). Codepoints must be >= 1 (a NUL byte ends a trie key)."""
    strings = bytearray()
    offsets: dict[str, int] = {}
    root = _Node()
    for codepoint in sorted(table):
        if codepoint < 1:
            raise InputError("codepoint 0 cannot be replaced (a NUL byte ends a charsmap key)")
        replacement = table[codepoint]
        if replacement not in offsets:  # identical replacements share one string
            offsets[replacement] = len(strings)
            strings += replacement.encode("utf-8") + b"\0"
        node = root
        for byte in chr(codepoint).encode("utf-8"):
            node = node.children.setdefault(byte, _Node())
        node.value = offsets[replacement]
    units = _place(root)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def _place(root: _Node) -> list[int]:
    """Give every node a base where all its children's slots are free; return the units."""
    used: set[int] = {0}  # unit 0 is the root
    bases: set[int] = set()
    blocks = 1
    first_open = 0  # blocks before it are full enough that no search starts there

    def find_base(labels: list[int]) -> int:
        nonlocal blocks, first_open
        block = first_open
        while True:
            if block >= blocks:
                blocks = block + 1
            start = block * BLOCK
            for low in range(BLOCK):
                base = start + low
                if base in bases:
                    continue
                if all((base ^ label) not in used for label in labels):
                    return base
            if block == first_open:
                first_open += 1
            block += 1

    position = {id(root): 0}
    queue = [root]
    for node in queue:  # breadth first: parents are placed before their children
        labels = ([0] if node.value is not None else []) + sorted(node.children)
        node.base = find_base(labels)
        bases.add(node.base)
        for label in labels:
            used.add(node.base ^ label)
        for label, child in sorted(node.children.items()):
            position[id(child)] = node.base ^ label
            queue.append(child)

    units = [0] * (blocks * BLOCK)
    for node in queue:
        here = position[id(node)]
        offset = here ^ node.base
        if offset >= MAX_OFFSET:
            raise InputError("replacement table too large for a 21-bit charsmap offset")
        unit = units[here] | (offset << 10)
        if node.value is not None:
            unit |= LEAF_BIT
            units[node.base] = node.value | VALUE_BIT  # the label-0 child holds the value
        units[here] = unit
        for label, child in node.children.items():
            units[position[id(child)]] = label  # offset and leaf bit added when it is visited
    return units
