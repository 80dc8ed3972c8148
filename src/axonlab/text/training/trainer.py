"""transformers' Trainer with axonlab's checks, the one :func:`axonlab.text.training.fit.fit` runs:
it stops at the first non-finite loss, runs a batch of more than ``batch_tokens`` padded
sub-tokens in slices (:func:`batch_slices`: the same update, one slice's activations in memory),
weighs each class's loss by ``class_weights``, gives the task head its own learning rate and
evaluates dev in the dev set's own order and in float32, as ``eval`` and ``predict`` run."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import torch

from axonlab.errors import TrainingDivergedError


def checked_trainer(
    class_weights: torch.Tensor | None,
    batch_tokens: int,
    head_learning_rate: float | None = None,
) -> type:
    """transformers' Trainer, stopping at the first non-finite loss, running a batch of more
    than ``batch_tokens`` padded sub-tokens in slices (:func:`batch_slices`), with
    ``class_weights`` (if given) weighing each class's loss (for imbalanced data) and the head's
    weights (:func:`head_parameters`) at ``head_learning_rate`` (None: the backbone's rate)."""
    from transformers import Trainer

    class CheckedTrainer(Trainer):
        def create_optimizer(self, model=None):
            optimizer = super().create_optimizer(model)
            if head_learning_rate is not None:
                head = {id(p) for p in head_parameters(self.model if model is None else model)}
                with_head_rate(optimizer, head, head_learning_rate)
            return optimizer

        def training_step(self, model, inputs, num_items_in_batch=None):
            slices = batch_slices(inputs, batch_tokens)
            if len(slices) == 1:
                loss = super().training_step(model, inputs, num_items_in_batch)
            else:
                loss = self._sliced_step(model, slices)
            if not torch.isfinite(loss).all():
                # One NaN step poisons every weight; going on would save a useless model.
                raise TrainingDivergedError(
                    f"training diverged at step {self.state.global_step + 1}: the loss is "
                    f"{loss.item()}; lower the learning rate (it was {self.args.learning_rate:g})"
                )
            return loss

        def _sliced_step(self, model, slices: list[tuple[dict, float]]) -> torch.Tensor:
            # Each slice's mean loss, weighed by its share of the batch's items, backpropagated
            # on its own: the gradients add up to the whole batch's, one slice's activations
            # in memory at a time.
            # Under torchrun the gradients are all-reduced once, after the last slice.
            model.train()
            total = torch.zeros(())
            for k, (inputs, share) in enumerate(slices):
                last = k == len(slices) - 1
                with nullcontext() if last else self.accelerator.no_sync(model):
                    with self.compute_loss_context_manager():
                        loss = self.compute_loss(model, self._prepare_inputs(inputs)) * share
                    loss = loss / self.current_gradient_accumulation_steps
                    self.accelerator.backward(loss)
                total += loss.detach().cpu()
            return total

        def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
            # Under --bf16, accelerate wraps the model's forward in autocast, dev evaluation
            # included: the best epoch would be picked, and its score printed, by bfloat16
            # numbers that `eval`, `predict` and `serve` (float32) do not reproduce.
            # (accelerate keeps the unwrapped forward as `_original_forward`; with bf16 off the
            # forward was never wrapped.) Not without_autocast, which drops the wrapper for good:
            # the next training step needs it.
            wrapped = self.model.forward
            self.model.forward = getattr(self.model, "_original_forward", wrapped)
            try:
                return super().prediction_step(model, inputs, prediction_loss_only, ignore_keys)
            finally:
                self.model.forward = wrapped

        def _get_eval_sampler(self, eval_dataset):
            # Dev metrics that put a text's windows back together need the predictions in the
            # dev features' own order; the recipe sorts those by length, so little is padded.
            # (Under torchrun, accelerate deals the batches out and gathers them back in order.)
            from torch.utils.data import SequentialSampler

            return SequentialSampler(eval_dataset)

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if class_weights is None:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            logits = outputs.logits.reshape(-1, outputs.logits.shape[-1])
            loss = torch.nn.functional.cross_entropy(
                logits.float(), labels.reshape(-1), weight=class_weights, ignore_index=-100
            )
            return (loss, outputs) if return_outputs else loss

    return CheckedTrainer


def batch_slices(inputs: dict[str, Any], batch_tokens: int) -> list[tuple[dict, float]]:
    """``inputs`` (a collated batch, tensors ``(batch, length)`` or ``(batch,)``) cut along the
    batch into slices of at most ``batch_tokens`` padded sub-tokens (at least one row each),
    with each slice's share of the batch's loss items (labels other than -100)."""
    ids = inputs["input_ids"]
    rows, length = ids.shape
    per_slice = max(1, batch_tokens // length)
    if per_slice >= rows:
        return [(inputs, 1.0)]
    labels = inputs.get("labels")
    items = (labels != -100).reshape(rows, -1).sum(dim=1) if labels is not None else None
    slices = []
    for start in range(0, rows, per_slice):
        part = {
            k: v[start : start + per_slice] if torch.is_tensor(v) and v.shape[:1] == (rows,) else v
            for k, v in inputs.items()
        }
        if items is None or items.sum() == 0:
            share = len(part["input_ids"]) / rows
        else:
            share = float(items[start : start + per_slice].sum() / items.sum())
        slices.append((part, share))
    return slices


def head_parameters(model: torch.nn.Module) -> list[torch.nn.Parameter]:
    """The trained weights outside the pretrained encoder (transformers' ``model.base_model``):
    the task's new, randomly initialised head. None for a model that is its own base."""
    encoder = {id(p) for p in getattr(model, "base_model", model).parameters()}
    return [p for p in model.parameters() if p.requires_grad and id(p) not in encoder]


def with_head_rate(optimizer: torch.optim.Optimizer, head: set[int], rate: float) -> None:
    """Move the parameters whose ``id`` is in ``head`` out of each of ``optimizer``'s groups into
    a twin group (same weight decay) at learning rate ``rate``; called before the first step."""
    twins = []
    for group in optimizer.param_groups:
        moved = [p for p in group["params"] if id(p) in head]
        if moved:
            group["params"] = [p for p in group["params"] if id(p) not in head]
            twins.append({**{k: v for k, v in group.items() if k != "params"}, "params": moved})
    for twin in twins:
        twin["lr"] = rate
        optimizer.add_param_group(twin)


def without_autocast(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` with the forward it had before accelerate wrapped it in mixed-precision autocast
    (a no-op for a model never wrapped): it then computes in float32, as a reloaded run does."""
    from accelerate.utils import extract_model_from_parallel

    return extract_model_from_parallel(model, keep_fp32_wrapper=False)
