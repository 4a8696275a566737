"""The reconstruction losses against their closed forms, per image, on fixed outputs."""

import math

import torch

from genzoo.models.losses import reconstruction_loss


def test_reconstruction_losses_match_their_closed_forms_per_image():
    logits = torch.tensor([[[[0.0, 2.0]]], [[[-1.0, 3.0]]]])  # (2, 1, 1, 2): two images of two pixels
    x = torch.tensor([[[[1.0, 0.0]]], [[[0.5, 1.0]]]])

    def bce(z: float, t: float) -> float:  # -[t log s(z) + (1 - t) log(1 - s(z))]
        s = 1 / (1 + math.exp(-z))
        return -(t * math.log(s) + (1 - t) * math.log(1 - s))

    expected = torch.tensor([bce(0.0, 1.0) + bce(2.0, 0.0), bce(-1.0, 0.5) + bce(3.0, 1.0)])
    torch.testing.assert_close(reconstruction_loss(logits, x, "bce"), expected)
    torch.testing.assert_close(reconstruction_loss(logits, x, "mse"), torch.tensor([1.0 + 4.0, 2.25 + 4.0]))
