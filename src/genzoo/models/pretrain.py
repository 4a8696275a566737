"""Greedy layer-wise pre-training of a deep MLP autoencoder (seed 002), before end-to-end fine-tuning.

Stage i trains encoder layer i and its mirror in the decoder as a shallow autoencoder on the codes
of the layers below it (already trained, frozen): the first stage reconstructs the images with the
model's loss, deeper stages reconstruct their input activations with squared error. The layers are
trained in place, so that after the last stage the deep net starts fine-tuning from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from ..data.batches import Batches
from ..engine import distributed
from ..engine.trainer import Optimizers, backprop, train
from .base import INFERENCE_BATCH, make_optimizer
from .losses import reconstruction_loss

if TYPE_CHECKING:
    from .autoencoder import Autoencoder


class ShallowStage:
    """The engine's objective for one stage: ``encoder`` (Linear + activation) and ``decoder`` in place."""

    def __init__(self, encoder: nn.Sequential, decoder: nn.Sequential, loss: str | None, est: Autoencoder) -> None:
        self.net = nn.Sequential(encoder, decoder)
        self.loss, self.est = loss, est

    def modules(self) -> dict[str, nn.Module]:
        return {"stage": self.net}

    def make_optimizers(self) -> Optimizers:
        est = self.est
        return {"main": make_optimizer(self.net.parameters(), est.optimizer, est.lr, est.weight_decay)}

    def _loss(self, x: Tensor) -> Tensor:
        out = self.net(x.flatten(1))
        if self.loss is None:  # a deeper layer: reconstruct the activations below
            return (out - x).square().sum(1).mean()
        return reconstruction_loss(out.view_as(x), x, self.loss).mean()

    def train_step(self, x: Tensor, optimizers: Optimizers, generator: torch.Generator) -> dict[str, Tensor]:
        loss = distributed.through(self, "stage", lambda: self._loss(x))
        backprop(loss, optimizers["main"])
        return {"loss": loss.detach()}

    def eval_step(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        return {"loss": self._loss(x)}


def pretrain_layerwise(est: Autoencoder, data: Tensor, quiet: bool = True) -> list[list[dict]]:
    """Pre-train ``est.module_`` (an MLP autoencoder) layer by layer on ``data``; one history per stage."""
    enc, dec = est.module_.encoder.net, est.module_.decoder.net
    n_layers = len(enc) // 2  # [Linear, activation] pairs
    device = next(est.module_.parameters()).device
    inputs, histories = data, []
    for i in range(n_layers):
        j = 2 * (n_layers - 1 - i)  # the decoder's mirror of encoder layer i
        stage = ShallowStage(enc[2 * i : 2 * i + 2], dec[j : j + 2], est.loss if i == 0 else None, est)
        histories.append(train(stage, inputs, epochs=est.pretrain_epochs, batch_size=est.batch_size, device=device,
                               seed=est.random_state + 1000 * (i + 1), quiet=quiet))
        if i + 1 < n_layers:
            with torch.no_grad():
                inputs = torch.cat([enc[2 * i : 2 * i + 2](x.flatten(1)).cpu()
                                    for x in Batches(inputs, INFERENCE_BATCH, shuffle=False, device=device)])
    return histories
