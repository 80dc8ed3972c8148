"""The defaults of language-model training, in one place: the training config and the command
line's ``--help`` read them here (this module imports nothing heavy, so ``--help`` stays fast)."""

from __future__ import annotations

ARCH = "gpt"  # "gpt" or "lstm"
PRESET = "small"  # size preset of the arch (see checkpoint.PRESETS)
TOKENIZER = "char"  # "char" or "bpe"
VOCAB_SIZE = 1024  # BPE vocabulary size
LEARNING_RATE = {"gpt": 2e-3, "lstm": 5e-3}  # peak, per architecture
BATCH_SIZE = 16  # windows per step; the LSTM's parallel lanes
EVAL_INTERVAL = 250  # steps between validations
MINUTES = 5.0  # the budget when no budget is given
SEED = 1337
