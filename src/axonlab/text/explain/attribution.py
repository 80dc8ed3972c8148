"""Which words made the model decide: Integrated Gradients on the word embeddings.

Integrated Gradients (Sundararajan et al. 2017) attributes the change of one output, from a
baseline input to the real one, to the input's features: each token's attribution is the
gradient of the output integrated along the straight path from the baseline embedding to the
token's embedding, times their difference. The baseline keeps the special tokens and replaces
every other token by padding. Attributions sum to the output change up to the integral's
numerical error; that error, relative to the change, is reported as ``completeness_error``: the
quadrature (:func:`~axonlab.text.explain.integral.integrate_path`) refines the path until it is
under ``tolerance``, or ``MAX_STEPS`` evaluations are spent, and ``steps`` says how many.

The output explained is the log-odds of one label (the predicted one, or ``target``):
``log p / (1 - p)``, which under a softmax is the logit margin ``z_label - logsumexp(z_others)``
(``z1 - z0`` for two labels); for a multi-label model, whose labels each have their own sigmoid,
it is the label's logit itself. Not the raw logit, for two reasons. The raw logit of one label
ignores the others: a word that lowers every logit alike changes no probability, yet gets a
large attribution, and one that raises the rival label's logit gets none. And a confident
model's probabilities saturate near 1, where the probability itself stops moving; the log-odds
keeps measuring the evidence there, and it moves with the probability (one is the sigmoid of the
other). On SMS spam runs trained with the default recipe (1,500 messages), deleting the 3
top-attributed words lowered p(spam) and its log-odds more than deleting 3 random words in 96%
and, for a second run (seed 1), 81% of (unseen spam message, random draw) pairs (82% there with
the earlier fixed-point quadrature: the run, not the integral, moved it); the raw logit's top 3
were the same words
(``benchmarks/bench_explain.py``, docs/benchmarks.md). ``output="logit"`` explains the raw logit
still, for comparison.

Sub-token attributions are summed into the words of the input (the tokenizer's words), each with
its character offsets. A text longer than the window is explained over all its windows; its
output is the mean of the windows' outputs, so each window's attributions count 1/n. The
integrand (:func:`integrand`) replaces the embedding layer's output as captum's
``LayerIntegratedGradients`` does (captum is the benchmark's anchor, not a dependency); a text's
windows and its points go through the model together, ``BATCH_TOKENS`` padded sub-tokens a pass.
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
    TOLERANCE,
    integrate_path,
)
from axonlab.text.explain.words import word_attributions

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


def integrand(model: torch.nn.Module, transform: Any, names: Sequence[str]):
    """The function integrated: ``(input_ids, baseline_ids, *others, alphas, weights)`` to
    ``(logits, values, terms)``. Each row is the input's word embeddings moved to
    ``baseline + alpha (input - baseline)`` (the embedding layer's output replaced, as captum's
    LayerIntegratedGradients replaces it); ``values`` ``(rows,)`` is the explained output
    ``sum(weights * transform(logits))`` there (``weights`` shaped like a row's logits), and
    ``terms`` ``(rows, seq)`` its gradient times (input - baseline) per position. Run eagerly
    here; traced and exported by :mod:`~axonlab.text.explain.gradient_graph`."""
    layer = model.get_input_embeddings()

    def at_point(input_ids, baseline_ids, *rest):
        *others, alphas, weights = rest
        x, base = layer(input_ids), layer(baseline_ids)
        point = (base + alphas[:, None, None] * (x - base)).detach().requires_grad_(True)
        handle = layer.register_forward_hook(lambda _module, _args, _out: point)
        try:
            with torch.enable_grad():
                batch = dict(zip(names, (input_ids, *others), strict=True))
                logits = model(**batch).logits
                values = (transform(logits) * weights).flatten(1).sum(1)
                (gradient,) = torch.autograd.grad(values.sum(), point)
        finally:
            handle.remove()
        return logits.detach(), values.detach(), (gradient * (x - base)).sum(-1).detach()

    return at_point


def path_integral(
    model: torch.nn.Module,
    inputs: dict[str, torch.Tensor],
    baseline_ids: torch.Tensor,
    weights: torch.Tensor,
    *,
    transform: Any,
    tolerance: float = TOLERANCE,
    max_steps: int = MAX_STEPS,
    ends: tuple[float, float] | None = None,
) -> tuple[np.ndarray, float, int]:
    """Integrated Gradients of ``sum(weights * transform(logits))`` over the rows of one text
    (its windows) or one entity, by :func:`~axonlab.text.explain.integral.integrate_path`.

    ``inputs``: padded model inputs ``(rows, seq)``; ``weights``: ``(rows, *logits' shape)``;
    ``ends``: the output at the baseline and at the input where the caller has them already
    (else two more evaluations find them). Returns the attributions ``(rows, seq)``, the
    completeness error and the evaluations."""
    names = ("input_ids", *(k for k in inputs if k != "input_ids"))
    at_point = integrand(model, transform, names)
    rows, seq = inputs["input_ids"].shape
    per_pass = max(1, BATCH_TOKENS // seq)

    def evaluate(alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = len(alphas)
        tiled = [inputs["input_ids"], baseline_ids, *(inputs[n] for n in names[1:])]
        tiled = [x.repeat(k, 1) for x in tiled]
        point = torch.tensor(alphas, dtype=torch.float32).repeat_interleave(rows)
        row_weights = weights.repeat(k, *([1] * (weights.dim() - 1)))
        values, terms = torch.zeros(k * rows), torch.zeros(k * rows, seq)
        for start in range(0, k * rows, per_pass):
            part = slice(start, start + per_pass)
            _, values[part], terms[part] = at_point(
                *(x[part] for x in tiled), point[part], row_weights[part]
            )
        values_ = values.double().numpy().reshape(k, rows).sum(1)
        return values_, terms.double().numpy().reshape(k, rows, seq)

    if ends is None:
        (at_baseline, at_input), _ = evaluate(np.array([0.0, 1.0]))
    else:
        at_baseline, at_input = ends
    return integrate_path(
        evaluate, float(at_baseline), float(at_input), tolerance=tolerance, max_steps=max_steps
    )


def integrate_groups(
    model: torch.nn.Module,
    inputs: dict[str, torch.Tensor],
    baseline_ids: torch.Tensor,
    weights: torch.Tensor,
    groups: np.ndarray,
    n_groups: int,
    *,
    transform: Any,
    tolerance: float = TOLERANCE,
    ends: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`path_integral` for each group (a text, an entity) of the rows, ``groups`` naming
    each row's: the attributions ``(rows, seq)``, and per group the completeness error and the
    evaluations. ``ends``: each group's output at the baseline and at the input, ``(n_groups,)``
    each, where the caller has computed them."""
    attributions = np.zeros(inputs["input_ids"].shape)
    errors, steps = np.zeros(n_groups), np.zeros(n_groups, dtype=int)
    for g in range(n_groups):
        rows = np.flatnonzero(groups == g)
        attributions[rows], errors[g], steps[g] = path_integral(
            model, {k: v[rows] for k, v in inputs.items()}, baseline_ids[rows], weights[rows],
            transform=transform, tolerance=tolerance,
            ends=None if ends is None else (float(ends[0][g]), float(ends[1][g])),
        )  # fmt: skip
    return attributions, errors, steps


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
    explained = _per_text(transform(raw), select, owners, len(texts))
    from_baseline = _per_text(transform(at_baseline), select, owners, len(texts))
    attributions, errors, steps = integrate_groups(
        model, inputs, baseline, select, owners, len(texts), transform=transform,
        tolerance=tolerance, ends=(from_baseline, explained),  # the forwards above, not again
    )  # fmt: skip
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
            "words": word_attributions(_pieces(enc, attributions, owners, i), texts[i]),
        }
        for i in range(len(texts))
    ]


def _per_text(values: torch.Tensor, select: torch.Tensor, owners, n: int) -> np.ndarray:
    """The selected output of each text: its windows' ``values`` weighted by ``select``."""
    out = np.zeros(n)
    np.add.at(out, owners, (values * select).sum(1).numpy())
    return out


def _pieces(enc, attributions: torch.Tensor, owners, text: int):
    """``(word id, offsets, attribution)`` of every sub-token in the text's windows."""
    for w in np.flatnonzero(owners == text):
        offsets = enc["offset_mapping"][w].tolist()
        for t, word in enumerate(enc.word_ids(int(w))):
            yield word, offsets[t], float(attributions[w, t])
