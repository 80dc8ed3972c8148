"""Which words made the model decide: Integrated Gradients on the word embeddings (captum).

Integrated Gradients (Sundararajan et al. 2017) attributes the change of one output, from a
baseline input to the real one, to the input's features: each token's attribution is the
gradient of the output integrated along the straight path from the baseline embedding to the
token's embedding, times their difference. The baseline keeps the special tokens and replaces
every other token by padding. Attributions sum to the output change up to the integral's
numerical error; that error, relative to the change, is reported as ``completeness_error``, and
the number of interpolation steps is doubled (from ``START_STEPS``) until it is under
``tolerance`` for every text, or ``MAX_STEPS`` is reached.

The output explained is the log-odds of one label (the predicted one, or ``target``):
``log p / (1 - p)``, which under a softmax is the logit margin ``z_label - logsumexp(z_others)``
(``z1 - z0`` for two labels); for a multi-label model, whose labels each have their own sigmoid,
it is the label's logit itself. Not the raw logit, for two reasons. The raw logit of one label
ignores the others: a word that lowers every logit alike changes no probability, yet gets a
large attribution, and one that raises the rival label's logit gets none. And a confident
model's probabilities saturate near 1, where the probability itself stops moving; the log-odds
keeps measuring the evidence there, and it moves with the probability (one is the sigmoid of the
other). On an SMS spam run trained with the default recipe, deleting the 3 top-attributed
words lowered p(spam) and its log-odds more than deleting 3 random words in 96% of (unseen spam
message, random draw) pairs; the raw logit's top 3 were the same words there
(``benchmarks/bench_explain.py``, docs/benchmarks.md). ``output="logit"`` explains the raw logit
still, for comparison.

Sub-token attributions are summed into the words of the input (the tokenizer's words), each with
its character offsets. A text longer than the window is explained over all its windows; its
output is the mean of the windows' outputs, so each window's attributions count 1/n.
captum's :class:`~captum.attr.LayerIntegratedGradients` does the integration, batched over the
windows of all texts and the interpolation steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from axonlab.errors import InputError
from axonlab.text.explain.integral import (
    BATCH_TOKENS,
    MAX_STEPS,
    SIGMOID_LABELS,
    START_STEPS,
    TOLERANCE,
)

# texts are explained in groups of similar length, padded to their longest: SMS messages run from
# 5 to 200 sub-tokens, and one group padded to the longest spent ~6x the compute it needed
GROUP_TOKENS = 2048  # padded sub-tokens of one group's texts (before the interpolation steps)
OUTPUTS = ("log_odds", "logit")  # what is explained: each label's log-odds, or its raw logit


def log_odds(logits: torch.Tensor) -> torch.Tensor:
    """Each label's softmax log-odds ``log p_l / (1 - p_l) = z_l - logsumexp_{j != l} z_j``,
    shaped like ``logits`` ``(..., labels)``; one label alone is a sigmoid's, its logit."""
    n = logits.shape[-1]
    if n == 1:
        return logits
    others = torch.eye(n, dtype=torch.bool, device=logits.device)
    # (..., labels, labels): row l holds every logit but z_l
    rest = logits.unsqueeze(-2).masked_fill(others, float("-inf"))
    return logits - rest.logsumexp(-1)


def _logits(logits: torch.Tensor) -> torch.Tensor:
    return logits


def output_transforms(model: torch.nn.Module, output: str):
    """The labels' log-odds, and the explained output, as functions of the logits: a
    multi-label model's labels each have a sigmoid, whose log-odds is the logit itself."""
    if output not in OUTPUTS:
        raise InputError(f"unknown output {output!r}; expected one of {OUTPUTS}")
    multilabel = getattr(model.config, "problem_type", None) == SIGMOID_LABELS
    odds = _logits if multilabel else log_odds
    return odds, odds if output == "log_odds" else _logits


def _windows(tokenizer: Any, texts: Sequence[str], max_length: int) -> dict[str, Any]:
    if any(not isinstance(t, str) for t in texts):
        raise InputError("explanations are for single texts, not text pairs")
    if not getattr(tokenizer, "is_fast", False):
        raise InputError("explanations need a fast tokenizer (for the words' offsets)")
    return tokenizer(
        list(texts),
        truncation=True,
        max_length=max_length,
        stride=max_length // 4,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        padding=True,
        return_tensors="pt",
    )


def integrate(
    model: torch.nn.Module,
    inputs: dict[str, torch.Tensor],
    baseline_ids: torch.Tensor,
    select: torch.Tensor,
    groups: np.ndarray,
    n_groups: int,
    *,
    tolerance: float = TOLERANCE,
    max_steps: int = MAX_STEPS,
    transform: Any = None,
) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Integrated Gradients of ``sum(transform(logits) * select)`` per input row, rows summed
    per group (``transform``: the logits to the explained outputs, default the logits).

    ``inputs``: padded model inputs ``(rows, seq)``; ``select``: weights on the logits, shaped
    like them without the batch (a weighted one-hot: which label, at which positions, counted
    how much); ``groups``: the group (text, entity) of each row. Returns the attributions per
    position ``(rows, seq)`` and, per group, the completeness error and the steps used (doubled
    from ``START_STEPS`` for the groups still over ``tolerance``).
    """
    from captum.attr import LayerIntegratedGradients

    names = [k for k in inputs if k != "input_ids"]

    def forward(input_ids: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        *others, weights = rest
        logits = model(input_ids=input_ids, **dict(zip(names, others, strict=True))).logits
        values = logits if transform is None else transform(logits)
        return (values * weights).flatten(1).sum(1)

    ig = LayerIntegratedGradients(forward, model.get_input_embeddings())
    attributions = torch.zeros(inputs["input_ids"].shape)
    errors, steps_used = np.full(n_groups, np.inf), np.zeros(n_groups, dtype=int)
    steps, todo = START_STEPS, np.arange(n_groups)
    per_pass = max(1, BATCH_TOKENS // inputs["input_ids"].shape[1])
    while len(todo):
        rows = np.flatnonzero(np.isin(groups, todo))
        attr, delta = ig.attribute(
            inputs["input_ids"][rows],
            baselines=baseline_ids[rows],
            additional_forward_args=(*(inputs[k][rows] for k in names), select[rows]),
            n_steps=steps,
            internal_batch_size=per_pass,
            return_convergence_delta=True,
        )
        attributions[rows] = attr.sum(dim=-1).detach().float()
        total, gap = np.zeros(n_groups), np.zeros(n_groups)
        np.add.at(total, groups[rows], attr.sum(dim=(1, 2)).detach().numpy())
        np.add.at(gap, groups[rows], delta.detach().numpy())
        change = total - gap  # F(x) - F(baseline) per group
        for g in todo:
            errors[g] = abs(gap[g]) / max(abs(change[g]), 1e-9)
            steps_used[g] = steps
        todo = np.asarray([g for g in todo if errors[g] > tolerance], dtype=int)
        steps *= 2
        if steps > max_steps:
            break
    return attributions, errors, steps_used


def _baseline(input_ids: torch.Tensor, keep: torch.Tensor, pad_id: int) -> torch.Tensor:
    """The input with every token but ``keep`` (special tokens, padding) set to padding."""
    baseline = input_ids.clone()
    baseline[~keep] = pad_id
    return baseline


def length_groups(
    tokenizer: Any, texts: Sequence[str], max_length: int, budget: int = GROUP_TOKENS
) -> list[list[int]]:
    """Indices of ``texts`` in groups of similar length (shortest first), each group's count
    times its longest text (in sub-tokens, up to ``max_length``) within ``budget``."""
    lengths = [min(len(ids), max_length) for ids in tokenizer(list(texts))["input_ids"]]
    groups: list[list[int]] = []
    for i in sorted(range(len(texts)), key=lambda k: lengths[k]):
        if groups and (len(groups[-1]) + 1) * lengths[i] <= budget:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def explain_texts(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    targets: Sequence[int | None] | None = None,
    tolerance: float = TOLERANCE,
    output: str = "log_odds",
) -> list[dict[str, Any]]:
    """Word attributions for each text's ``targets`` label id (default: the predicted one):
    ``{"target", "logits" (every label's), "output" (what is explained: ``"log_odds"``, or
    ``"logit"``), "log_odds", "probability" (its sigmoid), "baseline_<output>" (the output at
    the baseline: the attributions sum to ``<output> - baseline_<output>``), "steps",
    "completeness_error", "words": [{"text", "start", "end", "attribution"}]}`` per text, words
    in text order. Texts are explained in groups of similar length (:func:`length_groups`)."""
    output_transforms(model, output)  # an unknown output fails before any work
    if any(not isinstance(t, str) for t in texts):
        raise InputError("explanations are for single texts, not text pairs")
    out: list[dict[str, Any]] = [{} for _ in texts]
    for group in length_groups(tokenizer, texts, max_length, budget=GROUP_TOKENS):
        chosen = None if targets is None else [targets[i] for i in group]
        explained = _explain_group(
            model,
            tokenizer,
            [texts[i] for i in group],
            max_length=max_length,
            targets=chosen,
            tolerance=tolerance,
            output=output,
        )
        for i, item in zip(group, explained, strict=True):
            out[i] = item
    return out


def _explain_group(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    targets: Sequence[int | None] | None,
    tolerance: float,
    output: str,
) -> list[dict[str, Any]]:
    model.eval()
    odds_of, transform = output_transforms(model, output)
    enc = _windows(tokenizer, texts, max_length)
    owners = enc["overflow_to_sample_mapping"].numpy()
    inputs = {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc}
    with torch.no_grad():
        raw = model(**inputs).logits.float()
    logits = raw.numpy()
    n_windows = np.bincount(owners, minlength=len(texts))
    text_logits = np.zeros((len(texts), logits.shape[1]))
    np.add.at(text_logits, owners, logits / n_windows[owners, None])
    chosen = [
        int(text_logits[i].argmax()) if targets is None or targets[i] is None else targets[i]
        for i in range(len(texts))
    ]
    select = torch.zeros(logits.shape)
    for row, owner in enumerate(owners):  # the text's output is its windows' mean
        select[row, chosen[owner]] = 1.0 / n_windows[owner]
    keep = enc["special_tokens_mask"].bool() | ~inputs["attention_mask"].bool()
    baseline = _baseline(inputs["input_ids"], keep, tokenizer.pad_token_id)
    with torch.no_grad():
        at_baseline = model(**{**inputs, "input_ids": baseline}).logits.float()
    attributions, errors, steps = integrate(
        model, inputs, baseline, select, owners, len(texts), tolerance=tolerance,
        transform=transform,
    )  # fmt: skip
    explained = _per_text(transform(raw), select, owners, len(texts))
    from_baseline = _per_text(transform(at_baseline), select, owners, len(texts))
    odds = _per_text(odds_of(raw), select, owners, len(texts))
    return [
        {
            "target": chosen[i],
            "logits": text_logits[i].tolist(),
            "output": output,
            "log_odds": float(odds[i]),
            "probability": float(torch.sigmoid(torch.tensor(odds[i]))),
            f"baseline_{output}": float(from_baseline[i]),
            **({"logit": float(explained[i])} if output == "logit" else {}),
            "steps": int(steps[i]),
            "completeness_error": float(errors[i]),
            "words": _words(enc, attributions, owners, i, texts[i]),
        }
        for i in range(len(texts))
    ]


def _per_text(values: torch.Tensor, select: torch.Tensor, owners, n: int) -> np.ndarray:
    """The selected output of each text: its windows' ``values`` weighted by ``select``."""
    out = np.zeros(n)
    np.add.at(out, owners, (values * select).sum(1).numpy())
    return out


def _words(enc, attributions: torch.Tensor, owners, text: int, source: str) -> list:
    """The text's sub-token attributions summed per word (over every window holding it; the
    windows' shares are in the attributions already), with the word's character offsets."""
    words: dict[int, list] = {}
    for w in np.flatnonzero(owners == text):
        for t, word in enumerate(enc.word_ids(int(w))):
            if word is None:
                continue
            start, end = (int(x) for x in enc["offset_mapping"][w, t])
            entry = words.setdefault(word, [start, end, 0.0])
            entry[0], entry[1] = min(entry[0], start), max(entry[1], end)
            entry[2] += float(attributions[w, t])
    return [
        {"text": source[s:e], "start": s, "end": e, "attribution": a}
        for s, e, a in sorted(words.values())
    ]
