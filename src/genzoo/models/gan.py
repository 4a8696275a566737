"""The generative adversarial network of Goodfellow et al. 2014 (seeds 000 and 003), Algorithm 1, and the family
of losses, penalties and net options of the generative-model collections the notes point to.

Each engine step is one discriminator update on a real minibatch and a noise minibatch; every ``d_steps``-th step
is followed by one generator update on a fresh noise minibatch. What D and G minimise is ``loss``'s
(``gan_losses``); every variant is this one loop. ``pack=m`` (PacGAN) shows D m samples at once, concatenated along
the channels (or features); ``minibatch_std`` gives D one more input, the batch's mean standard deviation
(Karras et al. 2018), so that a collapsed batch stands out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..engine.schedules import SCHEDULES, Schedule, named
from ..engine.step import Optimizers, Progress, Update
from ..errors import ConfigError
from ..nets import InfoGANDecoder, MLPDecoder, join
from ..nets.mlp import NORMS
from ..validation import as_codes, check_choice, check_float, check_int, check_sizes
from .adversarial import (
    ARCHS,
    OUTPUTS,
    AutoencoderDiscriminator,
    DiscriminatorMixin,
    build_discriminator,
    init_gan_weights,
    squash,
)
from .base import NeuralEstimator, epochs_for_steps, make_optimizer, store_params
from .capabilities import DISCRIMINATE, SAMPLE
from .gan_losses import (
    ENERGY_LOSSES,
    G_LOSSES,
    LOSSES,
    MEANING,
    PENALISED,
    began_update,
    d_loss,
    g_loss,
    gradient_penalty,
    interpolates,
    perturbed,
    pulling_away,
)

NOISES = ("normal", "uniform")
SMALL_ROWS = 8  # real-valued rows up to this wide get noise of their own width by default
IMAGE_EPOCHS = 25  # epochs=None on images: the collections' budget
ROW_STEPS = 15_750  # epochs=None on real-valued rows: this many engine steps (250 epochs of ring8's 4,000 points)
LOG_NAMES = {"probability": "d", "score": "d", "critic": "critic", "energy": "energy"}


class GANNet(nn.Module):
    """``generator``: its input ``(N, noise_dim + code)`` -> raw output ``(N, *shape)``; ``discriminator``: what
    ``d_input`` makes of rows ``(N, *shape)`` -> ``(N / pack, 1 + extra)`` (an autoencoder D: energies ``(N / pack, 1)``).
    BEGAN's k_t is D's buffer ``k``, checkpointed with D so that a resumed run goes on exactly."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, output: str, pack: int = 1,
                 minibatch_std: bool = False, spatial: bool = False) -> None:
        super().__init__()
        self.generator, self.discriminator, self.output = generator, discriminator, output
        self.pack, self.minibatch_std, self.spatial = pack, minibatch_std, spatial

    def generate(self, z: Tensor) -> Tensor:
        """Samples ``(N, *shape)`` in data space from G's input ``z``."""
        return squash(self.generator(z), self.output)

    def d_input(self, x: Tensor, c: Tensor | None = None) -> Tensor:
        """What D sees of rows ``x`` ``(N, *shape)`` (N a multiple of ``pack``) and their condition ``c`` ``(N, K)``:
        both joined, then each ``pack`` consecutive rows side by side, then the batch's mean standard deviation as
        one more channel (or feature)."""
        x = join(x, c, self.spatial)
        if self.pack > 1:
            x = x.reshape(len(x) // self.pack, self.pack * x.shape[1], *x.shape[2:])
        if self.minibatch_std:
            std = x.float().std(0, correction=0).mean() if len(x) > 1 else x.new_zeros(())
            x = join(x, std.expand(len(x), 1), self.spatial)
        return x

    def forward(self, z: Tensor) -> Tensor:
        return self.generate(z)


class GAN(DiscriminatorMixin, NeuralEstimator):
    """A GAN: an MLP pair for images or any real-valued rows ``(N, D)``, or the infoGAN-like conv pair.

    Args:
        arch: ``mlp`` or ``conv`` (D: conv64 4×4 s2 → LeakyReLU → conv128 4×4 s2 + BN → FC1024 + BN → 1;
            G: FC1024 + BN → FC 128·H/4·W/4 + BN → deconv64 4×4 s2 + BN → deconv C 4×4 s2).
        hidden: the MLP generator's hidden widths (the discriminator uses them reversed).
        g_norm: the MLP generator's hidden layers ``batch``-normalised or not (``none``); None: from the data, batch
            for images (without it the default MLP pair does not learn MNIST: D wins outright from the third epoch;
            mean FD after 3 epochs 1,684 without, 550 with, ``benchmarks/gan_family.py``'s ``g_norm`` section), none
            for real-valued rows (the toy mixtures' defaults were chosen without it).
        noise_dim: the size of z; None: from the data, the rows' width for real-valued rows of up to 8 features
            (2 for the toy data: the best ring8 coverage of the candidates in ``benchmarks/gan_family.py``), else 64.
        noise: ``normal`` N(0, I) or ``uniform`` U(−1, 1).
        loss: ``gan`` (Algorithm 1), ``lsgan``, ``wgan`` (weights clipped to ±``clip`` after each D step),
            ``wgan-gp`` (``penalty`` × the gradient penalty on interpolates; the conv critic's batch norm becomes
            layer norm), ``dragan`` (``penalty`` × the gradient penalty around perturbed data), ``ebgan`` (an
            autoencoder D, hinge ``margin`` on the fakes' energy, ``pt_weight`` × the pulling-away term) or
            ``began`` (an autoencoder D, the equilibrium k_t with ratio ``gamma`` and rate ``lambda_k``).
            See ``genzoo.models.gan_losses`` for each formula.
        g_loss: for ``gan`` and ``dragan``: ``non-saturating`` (−log D(G(z))) or ``minimax`` (log(1 − D(G(z)))).
        d_steps: discriminator updates per generator update (k of Algorithm 1; WGAN's n_critic).
        pack: PacGAN's m, the samples D judges together (1: none); the batch size must be a multiple of it.
        minibatch_std: give D the batch's mean standard deviation as one more input; None: from the data, on for
            real-valued rows (with the cosine anneal, the default GAN on ring8 covers every mode in every seed,
            ``benchmarks/gan_family.py``'s defaults section), off for images (where it did not help the MLP pair).
        output: ``auto`` (sigmoid for images in [0, 1], linear for other real data), ``sigmoid`` or ``linear``.
        epochs: passes over the data; None: from the data, 25 for images (the collections' budget), for
            real-valued rows as many as make 15,750 steps of ``batch_size`` (generator steps when ``d_steps=1``;
            250 epochs of the 4,000 ring8 points: with the other defaults, 8 of 8 modes and ≥ 96% high-quality
            samples in each of five seeds, against 7.4 modes and 68% at 25 epochs; ``benchmarks/gan_family.py``'s
            defaults section), at least 25.
        lr: the learning rate of G and D; None: from the data, 1e-3 for real-valued rows, 2e-4 for images.
        lr_schedule: ``cosine`` (half a cosine from ``lr`` to 0 over ``epochs``: the last epochs settle G and D
            instead of leaving them oscillating, so samples sharpen onto the modes), ``burda`` (see
            :class:`~genzoo.VAE`), None (``lr`` throughout) or ``auto``: from the data, cosine for real-valued rows
            (the default GAN on ring8 without ``minibatch_std``: 7.0 of 8 modes and 96% high-quality samples over
            five seeds, against 6.4 and 92% with ``lr`` throughout; with it, every mode in every seed;
            ``benchmarks/gan_family.py``'s defaults section), None for images (not measured there).
        optimizer: ``adam`` (``betas``), ``sgd`` (momentum 0.9, as in the GAN paper) or ``rmsprop`` (WGAN's), the
            same for G and D. The other training parameters are those of every genzoo estimator; no validation
            split by default.

    ``sample(n)`` draws images; ``discriminate(X)`` gives D's view of each row, in the unit of ``loss``
    (``discriminator_meaning_``): a probability of being real (gan, dragan), a score aiming at 1 for real and 0 for
    fake (lsgan), a critic value (wgan, wgan-gp) or an energy, low on real data (ebgan, began). With ``pack=m``
    each row is judged packed with m − 1 copies of itself.
    """

    capabilities = frozenset({SAMPLE, DISCRIMINATE})
    code_size_param = "noise_dim"
    lr_from_data = True

    def __init__(
        self,
        arch: str = "mlp",
        hidden: Sequence[int] = (256, 256),
        g_norm: str | None = None,
        noise_dim: int | None = None,
        noise: str = "normal",
        loss: str = "gan",
        g_loss: str = "non-saturating",
        d_steps: int = 1,
        pack: int = 1,
        minibatch_std: bool | None = None,
        clip: float = 0.01,
        penalty: float = 10.0,
        margin: float = 1.0,
        pt_weight: float = 0.1,
        gamma: float = 0.5,
        lambda_k: float = 0.001,
        output: str = "auto",
        epochs: int | None = None,
        batch_size: int = 64,
        lr: float | None = None,
        lr_schedule: str | None = "auto",
        optimizer: str = "adam",
        betas: Sequence[float] = (0.5, 0.999),
        weight_decay: float = 0.0,
        validation_fraction: float = 0.0,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        check_choice("arch", self.arch, ARCHS)
        check_sizes("hidden", self.hidden)
        if self.g_norm is not None:
            check_choice("g_norm", self.g_norm, NORMS)
        check_int("noise_dim", self.noise_dim, 1, allow_none=True)
        check_choice("noise", self.noise, NOISES)
        check_choice("loss", self.loss, LOSSES)
        check_choice("g_loss", self.g_loss, G_LOSSES)
        check_int("d_steps", self.d_steps, 1)
        check_int("pack", self.pack, 1)
        if self.batch_size % self.pack:
            fit = self.pack * max(1, self.batch_size // self.pack)
            raise ConfigError(f"batch_size={self.batch_size} is not a multiple of pack={self.pack}: D judges packs "
                              f"of {self.pack} samples; choose batch_size={fit}")
        for name in ("clip", "penalty", "margin", "pt_weight", "gamma", "lambda_k"):
            check_float(name, getattr(self, name), 0.0)
        if len(tuple(self.betas)) != 2 or not all(0.0 <= b < 1.0 for b in self.betas):
            raise ConfigError(f"betas={self.betas!r}: give Adam's two coefficients in [0, 1), e.g. betas=[0.5,0.999]")
        check_choice("output", self.output, OUTPUTS)
        check_choice("lr_schedule", self.lr_schedule, (None, "auto", *SCHEDULES))
        check_choice("minibatch_std", self.minibatch_std, (None, True, False))

    # -- what the data decides ---------------------------------------------------------------------
    def _by_data(self, rows: Any, images: Any) -> Any:
        """``rows`` when the fitted data are real-valued rows (a linear output), else ``images``."""
        return rows if self.output_ == "linear" else images

    def _noise_size(self) -> int:
        """``noise_dim``, or for None the fitted data's: its width for real-valued rows of up to 8 features, else 64."""
        if self.noise_dim is not None:
            return self.noise_dim
        width = int(np.prod(self.input_shape_))
        return width if self.output_ == "linear" and width <= SMALL_ROWS else 64

    def generator_norm(self) -> str:
        """``g_norm``, or for None the fitted data's: ``batch`` for images in [0, 1], ``none`` for real-valued rows."""
        if self.g_norm is not None:
            return self.g_norm
        return self._by_data("none", "batch")

    def learning_rate(self) -> float:
        """``lr``, or for None the fitted data's: 1e-3 for real-valued rows (the best ring8 coverage of the
        candidates), 2e-4 for images (DCGAN's and the collections' rate)."""
        if self.lr is not None:
            return self.lr
        return self._by_data(1e-3, 2e-4)

    def _epochs_for(self, n_train: int) -> int:
        """``epochs``, or for None the fitted data's: 25 for images, ROW_STEPS engine steps for real-valued rows."""
        if self.epochs is not None:
            return self.epochs
        return self._by_data(epochs_for_steps(ROW_STEPS, n_train, self.batch_size, IMAGE_EPOCHS), IMAGE_EPOCHS)

    def uses_minibatch_std(self) -> bool:
        """``minibatch_std``, or for None the fitted data's: on for real-valued rows, off for images."""
        if self.minibatch_std is not None:
            return self.minibatch_std
        return self._by_data(True, False)

    def learning_rate_schedule(self) -> str | None:
        """``lr_schedule``, or for ``auto`` the fitted data's: ``cosine`` for real-valued rows, None for images."""
        if self.lr_schedule != "auto":
            return self.lr_schedule
        return self._by_data("cosine", None)

    def _lr_schedule(self) -> Schedule | None:
        return named(self.learning_rate_schedule(), self.epochs_)

    # -- what subclasses add: a code in G's input, a condition joined to D's, more outputs of D -----------------
    def _code_size(self) -> int:
        """The numbers G gets besides the noise (a one-hot class, infoGAN's codes)."""
        return 0

    def _condition_size(self) -> int:
        """The numbers D gets besides each row (CGAN's one-hot class)."""
        return 0

    def _extra_outputs(self) -> int:
        """The outputs of D besides its judgement, per sample (ACGAN's class logits, infoGAN's Q)."""
        return 0

    def _codes(self, n: int, generator: torch.Generator, device: torch.device, y: Tensor | None) -> Tensor | None:
        """G's code ``(n, _code_size())`` for the fakes of a step whose real rows have labels ``y``."""
        return None

    def _condition(self, y: Tensor | None, codes: Tensor | None) -> Tensor | None:
        """D's condition ``(n, _condition_size())`` for rows of labels ``y`` (fakes: made with ``codes``)."""
        return None

    def _extra_loss(self, extra: Tensor, y: Tensor | None, codes: Tensor | None) -> Tensor | None:
        """A term added to D's and G's loss from D's extra outputs on fakes ``(n, _extra_outputs())`` (``codes``:
        theirs) or on real rows (``codes`` None, ``y`` their labels); None: no term."""
        return None

    def _update_state(self, real_extra: Tensor) -> None:
        """State (a buffer of ``module_``) that a training step moves from D's extra outputs on the real rows
        ``(n, _extra_outputs())``; none here."""

    # -- building --------------------------------------------------------------------------------
    def _build(self, input_shape: tuple[int, ...]) -> GANNet:
        conv = self.arch == "conv"
        g_in = self._noise_size() + self._code_size()
        generator = (InfoGANDecoder(g_in, input_shape) if conv else
                     MLPDecoder(g_in, self.hidden, input_shape, norm=self.generator_norm()))
        spatial = conv and len(input_shape) == 3
        net = GANNet(generator, nn.Identity(), self.output_, self.pack, self.uses_minibatch_std(), spatial)
        c = torch.zeros(self.pack, self._condition_size()) if self._condition_size() else None
        d_shape = tuple(net.d_input(torch.zeros(self.pack, *input_shape), c).shape[1:])
        hidden = list(reversed(self.hidden))
        if self.loss in ENERGY_LOSSES:
            net.discriminator = AutoencoderDiscriminator(self.arch, d_shape, hidden, self.output_,
                                                         "l1" if self.loss == "began" else "mse")
        else:
            norm = "layer" if self.loss == "wgan-gp" else "batch"
            net.discriminator = build_discriminator(self.arch, d_shape, hidden, 1 + self.pack * self._extra_outputs(), norm)
        if self.loss == "began":
            net.discriminator.register_buffer("k", torch.zeros(()))
        if conv:
            init_gan_weights(net)
        return net

    def _fit_data(self, X: Any) -> Tensor:
        data = super()._fit_data(X)
        if self.loss in ENERGY_LOSSES and self._extra_outputs():
            raise ConfigError(f"loss={self.loss!r} has an autoencoder D with no head for {type(self).__name__}'s "
                              "extra outputs; use gan, lsgan, wgan, wgan-gp or dragan")
        return data

    # -- the engine's objective ------------------------------------------------------------------
    def modules(self) -> dict[str, nn.Module]:
        """D and G, each stepped by its own optimizer (and, under torchrun, replicated apart)."""
        return {"discriminator": self.module_.discriminator, "generator": self.module_.generator}

    def make_optimizers(self) -> Optimizers:
        def make(module: nn.Module) -> torch.optim.Optimizer:
            return make_optimizer(module.parameters(), self.optimizer, self.learning_rate(), self.weight_decay,
                                  betas=self.betas)

        return {"discriminator": make(self.module_.discriminator), "generator": make(self.module_.generator)}

    def _noise(self, n: int, generator: torch.Generator, device: torch.device) -> Tensor:
        if self.noise == "uniform":
            return torch.rand(n, self._noise_size(), generator=generator, device=device).mul_(2).sub_(1)
        return torch.randn(n, self._noise_size(), generator=generator, device=device)

    def _fakes(self, n: int, generator: torch.Generator, device: torch.device,
               y: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """``n`` samples ``(n, *shape)`` from fresh noise and the codes they were made with."""
        z = self._noise(n, generator, device)
        codes = self._codes(n, generator, device, y)
        return self.module_.generate(z if codes is None else torch.cat([z, codes], 1)), codes

    def _judge(self, d_in: Tensor) -> tuple[Tensor, Tensor | None]:
        """D's output per pack ``(n / pack,)`` on its input ``d_in`` (``d_input``'s), and its extra outputs per
        row ``(n, extra)`` (None without)."""
        out = self.module_.discriminator(d_in)
        extra = out[:, 1:].reshape(len(out) * self.pack, -1) if out.shape[1] > 1 else None
        return out[:, 0], extra

    def _judge_rows(self, x: Tensor, c: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """``_judge`` at inference: each row of ``x`` (with its condition ``c``) packed with ``pack − 1`` copies of
        itself; D's output per row ``(n,)`` and the extra outputs of each row's first copy ``(n, extra)``."""
        repeat = (lambda t: t.repeat_interleave(self.pack, 0)) if self.pack > 1 else (lambda t: t)
        out, extra = self._judge(self.module_.d_input(repeat(x), None if c is None else repeat(c)))
        return out, None if extra is None else extra[:: self.pack]

    def _whole_packs(self, x: Tensor, y: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """The batch cut to a multiple of ``pack`` (a batch smaller than one pack is repeated to fill it)."""
        if self.pack == 1:
            return x, y
        keep = torch.arange(max(self.pack, len(x) - len(x) % self.pack), device=x.device) % len(x)
        return x[keep], None if y is None else y[keep]

    def _d_losses(self, x: Tensor, y: Tensor | None, generator: torch.Generator, update: bool) -> dict[str, Tensor]:
        """D's loss on real rows against fresh fakes, with its logs; BEGAN's k_t and the model's own state
        (``_update_state``) move when ``update`` (a training step, not a validation pass)."""
        fake, codes = self._fakes(len(x), generator, x.device, y)
        net = self.module_
        real_in, fake_in = net.d_input(x, self._condition(y, None)), net.d_input(fake, self._condition(y, codes))
        real_out, real_extra = self._judge(real_in)
        fake_out, fake_extra = self._judge(fake_in)
        d = self.module_.discriminator
        k = d.k.clone() if self.loss == "began" else 0.0
        loss = d_loss(self.loss, real_out, fake_out, self.margin, k)
        logs: dict[str, Tensor] = {}
        if self.loss in PENALISED:
            if self.loss == "wgan-gp":  # on the critic's value; DRAGAN's on D's probability, as its authors' code
                points, judge = interpolates(real_in, fake_in, generator), lambda p: net.discriminator(p)[:, 0]
            else:
                points, judge = perturbed(real_in, generator), lambda p: net.discriminator(p)[:, 0].sigmoid()
            logs["gradient_penalty"] = gradient_penalty(judge, points)
            loss = loss + self.penalty * logs["gradient_penalty"]
        for extra, codes_ in ((real_extra, None), (fake_extra, codes)):
            term = self._extra_loss(extra, y, codes_) if extra is not None else None
            if term is not None:
                loss = loss + term
                logs["aux_real" if codes_ is None else "aux_fake"] = term.detach()
        if self.loss == "began":
            new_k, logs["convergence"] = began_update(d.k, real_out.mean(), fake_out.mean(), self.gamma, self.lambda_k)
            logs["k"] = k
            if update:
                d.k.copy_(new_k)
        if update and real_extra is not None:
            self._update_state(real_extra.detach())
        return {"d_loss": loss, **self._outputs_report(real_out, fake_out), **logs}

    def _g_losses(self, y: Tensor | None, n: int, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        """G's loss on fresh fakes against the D just updated."""
        fake, codes = self._fakes(n, generator, device, y)
        c_fake = self._condition(y, codes)
        if self.loss == "ebgan" and self.pt_weight:
            d = self.module_.discriminator
            packed = self.module_.d_input(fake, c_fake)
            codes_d = d.encode(packed)
            loss = g_loss(self.loss, d.energy(packed, codes_d)[:, 0]) + self.pt_weight * pulling_away(codes_d)
            return {"g_loss": loss}
        fake_out, extra = self._judge(self.module_.d_input(fake, c_fake))
        loss = g_loss(self.loss, fake_out, self.g_loss)
        term = self._extra_loss(extra, y, codes) if extra is not None else None
        return {"g_loss": loss if term is None else loss + term}

    def _outputs_report(self, real_out: Tensor, fake_out: Tensor) -> dict[str, Tensor]:
        """D's mean output on the real and the fake rows, in its unit (a probability for gan and dragan)."""
        prefix = LOG_NAMES[MEANING[self.loss]]
        real, fake = real_out.detach(), fake_out.detach()
        if MEANING[self.loss] == "probability":
            real, fake = real.sigmoid(), fake.sigmoid()
        return {f"{prefix}_real": real.mean(), f"{prefix}_fake": fake.mean()}

    def _clip(self) -> None:
        for p in self.module_.discriminator.parameters():
            p.clamp_(-self.clip, self.clip)

    def train_step(self, batch: Tensor | tuple[Tensor, Tensor], generator: torch.Generator,
                   progress: Progress) -> list[Update]:
        """D's update on the real batch against fresh fakes (G frozen; WGAN clips D after it); on every
        ``d_steps``-th step, then G's update on fresh noise against the D just updated (D frozen)."""
        x, y = self._whole_packs(*(batch if isinstance(batch, tuple) else (batch, None)))
        after = self._clip if self.loss == "wgan" else None
        updates = [Update("discriminator", lambda: self._d_losses(x, y, generator, True), "d_loss", after)]
        if (progress.step + 1) % self.d_steps == 0:
            updates.append(Update("generator", lambda: self._g_losses(y, len(x), generator, x.device), "g_loss"))
        return updates

    def eval_step(self, batch: Tensor | tuple[Tensor, Tensor], generator: torch.Generator) -> dict[str, Tensor]:
        """D's report and G's loss, nothing updated."""
        x, y = self._whole_packs(*(batch if isinstance(batch, tuple) else (batch, None)))
        with torch.enable_grad() if self.loss in PENALISED else contextlib.nullcontext():  # penalties differentiate D
            d = {k: v.detach() for k, v in self._d_losses(x, y, generator, False).items()}
        return {**d, "g_loss": self._g_losses(y, len(x), generator, x.device)["g_loss"]}

    def epoch_warnings(self, record: dict[str, float]) -> list[str]:
        """A sign of divergence or collapse that the loss's own unit can show: a gan or dragan D that tells real
        from fake almost perfectly (a probability), so G learns little. Other losses' outputs are not
        probabilities and get no such warning."""
        if MEANING[self.loss] == "probability" and record["train_d_real"] > 0.99 and record["train_d_fake"] < 0.01:
            return [f"the discriminator wins outright (mean D(x) {record['train_d_real']:.3f}, D(G(z)) "
                    f"{record['train_d_fake']:.3f}): the generator gets little signal and may be diverging or "
                    "collapsed; try a lower learning rate, d_steps=1 or g_loss='non-saturating'"]
        return []

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        tensors.pop("module.d_updates", None)  # a counter saved by genzoo 0.1 before the engine counted steps
        if self.g_norm is None and self.arch == "mlp" and not any("running_mean" in k and ".generator." in k
                                                                   for k in tensors):
            self.g_norm = "none"  # a run saved before g_norm existed: its MLP generator has no norm layers
        super()._restore(facts, tensors)

    # -- using the model -------------------------------------------------------------------------
    @property
    def discriminator_meaning_(self) -> str:
        """What ``discriminate`` returns: ``probability``, ``score``, ``critic`` or ``energy`` (see the class)."""
        self._check_fitted()
        return MEANING[self.loss]

    def discriminate(self, X: Any) -> np.ndarray:
        """D's view ``(N,)`` of each row of ``X``, in the unit ``discriminator_meaning_`` names."""
        data = self._images(X)
        probability = MEANING[self.loss] == "probability"

        def judge(x: Tensor) -> Tensor:
            out = self._judge_rows(x)[0]
            return out.sigmoid() if probability else out

        return self._map(judge, data)

    def sample_gradient(self, X: Any) -> np.ndarray:
        """Where G's update pushes a sample at each row of ``X``: −∇ₓ of G's loss (``loss``, ``g_loss``) through D,
        ``(N, *input_shape)``; the arrows of seed 003's picture (non-saturating: up log D; minimax: down log(1 − D))."""
        data = self._images(X)

        def pull(x: Tensor) -> Tensor:
            with torch.inference_mode(False), torch.enable_grad():  # _map runs under inference mode
                x = x.clone().requires_grad_(True)
                loss = g_loss(self.loss, self._judge_rows(x)[0], self.g_loss) * len(x)  # per row, not per batch
                (grad,) = torch.autograd.grad(loss, x)
            return -grad

        return self._map(pull, data)

    def generate(self, Z: Any) -> np.ndarray:
        """G's output ``(N, *input_shape)`` for its whole input ``Z`` ``(N, noise_dim + code)``."""
        self._check_fitted()
        return self._map(self.module_.generate, as_codes(Z, self._noise_size() + self._code_size()))

    def draw_noise(self, n: int, random_state: int | None = None) -> np.ndarray:
        """G's input ``(n, noise_dim + code)`` as ``sample`` draws it: the noise, then any codes (infoGAN's)."""
        self._check_fitted()
        check_int("n", n, 1)
        gen = self._generator(random_state)
        z = self._noise(n, gen, self._device())
        codes = self._codes(n, gen, self._device(), None)
        return (z if codes is None else torch.cat([z, codes], 1)).cpu().numpy()

    def sample(self, n: int, random_state: int | None = None) -> np.ndarray:
        """``n`` samples ``(n, *input_shape)`` from G (images in [0, 1], or real-valued rows): ``generate`` of
        ``draw_noise(n, random_state)``."""
        return self.generate(self.draw_noise(n, random_state))
