"""Greedy layer-wise pre-training of a deep MLP autoencoder (seed 002), before end-to-end fine-tuning.

Stage i trains encoder block i and its mirror in the decoder as a shallow autoencoder on the codes
of the blocks below it (already trained, frozen): the first stage reconstructs the images with the
model's loss, deeper stages reconstruct their input activations with squared error. The blocks are
trained in place, so that after the last stage the deep net starts fine-tuning from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import torch
from torch import Tensor, nn

from ..data.batches import Batches
from ..engine.step import Optimizers, Progress, Update
from ..engine.trainer import Policy, train
from .base import INFERENCE_BATCH
from .losses import reconstruction_loss

MakeOptimizer = Callable[[Iterable[nn.Parameter]], torch.optim.Optimizer]


class ShallowStage:
    """The engine's objective for one stage: encoder block and decoder block trained in place as one autoencoder.

    ``loss`` is the model's reconstruction loss for the first stage (images), None for deeper ones (squared error
    of the activations below).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, loss: str | None, make_optimizer: MakeOptimizer) -> None:
        self.net = nn.Sequential(encoder, decoder)
        self.loss, self.make_optimizer = loss, make_optimizer

    def modules(self) -> dict[str, nn.Module]:
        return {"main": self.net}

    def make_optimizers(self) -> Optimizers:
        return {"main": self.make_optimizer(self.net.parameters())}

    def _losses(self, x: Tensor) -> dict[str, Tensor]:
        out = self.net(x.flatten(1))
        if self.loss is None:  # a deeper block: reconstruct the activations below
            return {"loss": (out - x).square().sum(1).mean()}
        return {"loss": reconstruction_loss(out.view_as(x), x, self.loss).mean()}

    def train_step(self, x: Tensor, generator: torch.Generator, progress: Progress) -> list[Update]:
        return [Update("main", lambda: self._losses(x))]

    def eval_step(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        return self._losses(x)


def pretrain_layerwise(encoder_blocks: list[nn.Module], decoder_blocks: list[nn.Module], data: Tensor, loss: str,
                       policy: Policy, make_optimizer: MakeOptimizer) -> list[list[dict]]:
    """Pre-train a deep autoencoder block by block on ``data`` ``(N, ...)``, in place; one history per stage.

    ``encoder_blocks`` run first to last (each a Linear layer and its activation); ``decoder_blocks`` are the
    decoder's, so that block i of the encoder is mirrored by decoder block ``-1 - i``. Stage i trains for
    ``policy.epochs`` with the seed ``policy.seed + 1000 (i + 1)``.
    """
    inputs, histories = data, []
    for i, block in enumerate(encoder_blocks):
        stage = ShallowStage(block, decoder_blocks[-1 - i], loss if i == 0 else None, make_optimizer)
        histories.append(train(stage, inputs, replace(policy, seed=policy.seed + 1000 * (i + 1))))
        if i + 1 < len(encoder_blocks):
            with torch.no_grad():
                inputs = torch.cat([block(x.flatten(1)).cpu()
                                    for x in Batches(inputs, INFERENCE_BATCH, shuffle=False, device=policy.device)])
    return histories
