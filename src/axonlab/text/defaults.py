"""The defaults of text fine-tuning, in one place: the training config, the task modules and the
command line's ``--help`` all read them here (this module imports nothing heavy, so ``--help``
stays fast)."""

from __future__ import annotations

DEFAULT_BACKBONE = "all-minilm-l6-v2"  # the built-in backbone a run gets unless it names one
LEARNING_RATE = 1e-4  # full fine-tuning of a small encoder such as MiniLM
# Where a backbone and task measure better at another rate (axonlab.text.training.recipe
# chooses). e5's NER was here at 3e-4 until the head got its own rate: with the head at 3e-3, 1e-4
# is better
# (1,350 MSRA sentences, seeds 1/2/3: F1 0.721/0.721/0.715 vs 0.712/0.725/0.000 at 3e-4; full
# CLUENER 0.726, where one rate of 3e-4 made 0.714). docs/benchmarks.md, "The recipe".
BACKBONE_LEARNING_RATES: dict[str, dict[str, float]] = {}
# The task's head (new, random weights) trains at this rate, the encoder at the one above
# (axonlab.text.training.recipe): 1,350 MSRA sentences on e5 at one rate of 3e-4 made F1 0.582 and
# 0.000 (seeds 1, 2); PhraseBank and 1,500 SMS (MiniLM) were unchanged by it (accuracy 0.806 vs
# 0.807, 0.992 vs 0.992, means of 3 seeds); 1,000 WikiANN sentences 0.680 vs 0.668 and
# BANKING77-OOS intents (train 5,903 rows, test) 0.841 vs 0.773 accuracy (one seed each).
HEAD_LEARNING_RATE = 3e-3
# A small training set gets more epochs, so that a run takes at least this many optimizer steps
# (axonlab.text.training.recipe): 1,350 MSRA sentences, e5, lr 3e-4 in 129 steps (3 epochs
# of 32) tagged every character O; in 301 steps (7 epochs) dev F1 reached 0.67.
MIN_STEPS = 300
# Adapters start at zero and move only a low-rank slice: they need a larger step than full
# fine-tuning (1 epoch of SST-2 at 1e-4 left a LoRA model at chance; see benchmarks).
LORA_LEARNING_RATE = 1e-3
MAX_LENGTH = 128  # classification: longest input in sub-word tokens
NER_MAX_LENGTH = 512  # NER: the window; longer sentences are windowed, never truncated
EPOCHS = 3.0
BATCH_SIZE = 32
# A training batch whose padded size passes this many sub-tokens runs its forward and backward in
# slices that fit (the update is the same): 32 NER windows of 512 pieces took 23 GB (MSRA, e5).
BATCH_TOKENS = 4096
SEED = 13
# Few-shot: the contrastive loss that tunes the encoder before the head
# (axonlab.text.embeddings.contrastive).
# In-batch negatives: BANKING77 10-shot seed 1, 0.860 in 370 s vs SetFit's cosine 0.804 in 838 s.
FEW_SHOT_LOSSES = ("in-batch", "cosine")
FEW_SHOT_LOSS = "in-batch"
OOS_LABEL = "oos"  # intent: the label of out-of-scope rows
OOS_METHOD = "mahalanobis"  # intent: the out-of-scope score (axonlab.text.tasks.out_of_scope)
# A vocabulary this large (multilingual-e5-small: 250,037 pieces) is kept fixed unless asked:
# training it cost 2x the time for no dev accuracy (docs/benchmarks.md, multilingual section).
FREEZE_EMBEDDINGS_ABOVE = 100_000

# LoRA (Hu et al. 2021) on the attention projections
LORA_RANK = 8
LORA_ALPHA = 16
LORA_DROPOUT = 0.1
LORA_TARGETS = ("query", "value")
