"""What every genzoo estimator shares: scikit-learn parameters, input checks, save/load of a run folder,
and, for the neural ones, fitting through the engine and batched inference."""

from __future__ import annotations

import inspect
import math
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.frozen import FrozenEstimator
from sklearn.utils import Tags
from torch import Tensor, nn

from .._io import atomic_write_bytes, atomic_write_json
from .._version import __version__
from ..data.batches import Batches, validation_split
from ..engine.runs import CONFIG, WEIGHTS, Run, check_not_other_model, read_config
from ..engine.schedules import Schedule
from ..engine.step import Hooks, Optimizers, Progress, Update
from ..engine.trainer import ON_NONFINITE, PRECISIONS, Policy, train, training_device
from ..errors import CheckpointError, ConfigError, NotFittedError
from ..validation import as_images, check_choice, check_float, check_int, resolve_device

FORMAT_VERSION = 1
OPTIMIZERS = ("adam", "sgd", "rmsprop")
INFERENCE_BATCH = 1024
DEFAULT_STEPS = 4000  # epochs=None: at least this many training steps, and at least MIN_EPOCHS epochs
MIN_EPOCHS = 10


class Transformer(TransformerMixin):
    """scikit-learn's transformer mixin for genzoo's transformers: codes and images come out float32 (as torch's),
    whatever the input's dtype, and the tags say so (``check_transformer_preserve_dtypes``)."""

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class Estimator(BaseEstimator, ABC):
    """Base of every genzoo model: ``save``/``load`` of ``config.json`` + ``model.safetensors``.

    Subclasses list their fitted tensors (``_state_tensors``) and their fitted non-tensor facts
    (``_fitted_facts``), and rebuild themselves from both (``_restore``).
    """

    registry: ClassVar[dict[str, type[Estimator]]] = {}
    capabilities: ClassVar[frozenset[str]] = frozenset()  # see capabilities.py
    code_size_param: ClassVar[str | None] = "latent_dim"  # the parameter the CLI's --latent-dim sets
    lr_from_data: ClassVar[bool] = False  # lr=None lets the fitted data choose the learning rate
    binarize: ClassVar[bool] = False  # trained on dynamically binarized images (then measured on binarized ones)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        Estimator.registry[cls.__name__] = cls

    # -- to be provided by subclasses ------------------------------------------------------------
    def _check_params(self) -> None:
        """Raise ConfigError for any parameter value that is not allowed."""

    @abstractmethod
    def _state_tensors(self) -> dict[str, Tensor]:
        """The fitted tensors that ``model.safetensors`` holds."""

    def _fitted_facts(self) -> dict[str, Any]:
        return {}

    @abstractmethod
    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        """Set the fitted state from ``config.json``'s facts and ``model.safetensors``' tensors."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "input_shape_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(X) first")

    # -- saving ----------------------------------------------------------------------------------
    def _saved_params(self) -> dict[str, Any]:
        """The parameters ``config.json`` keeps: ``get_params``, less anything that reads other files on load."""
        return self.get_params(deep=False)

    def config(self, **extra: Any) -> dict[str, Any]:
        """What ``config.json`` holds: the model, every parameter, versions, and ``extra`` (e.g. the dataset)."""
        cfg = {
            "format_version": FORMAT_VERSION,
            "model": type(self).__name__,
            "params": _jsonable(self._saved_params()),
            "versions": {"genzoo": __version__, "torch": torch.__version__},
            **extra,
        }
        if hasattr(self, "input_shape_"):
            cfg["fitted"] = _jsonable({"input_shape": list(self.input_shape_), **self._fitted_facts()})
        return cfg

    def save(self, path: str | os.PathLike, **extra: Any) -> Path:
        """Write ``path/config.json`` and ``path/model.safetensors`` (each atomically). Returns ``path``."""
        self._check_fitted()
        path = Path(path)
        check_not_other_model(path, type(self).__name__)
        previous = read_config(path) if (path / CONFIG).exists() else {}
        merged = {k: v for k, v in previous.items() if k in ("data", "command")} | extra
        tensors = {k: v.detach().cpu().contiguous() for k, v in self._state_tensors().items()}
        atomic_write_bytes(path / WEIGHTS, st_save(tensors, metadata={"genzoo_format": str(FORMAT_VERSION)}))
        atomic_write_json(path / CONFIG, self.config(**merged))
        return path

    @staticmethod
    def from_config(cfg: dict[str, Any], where: str = "config") -> Estimator:
        """An estimator with the parameters of ``cfg`` (a ``config.json`` dict), not yet fitted."""
        name = cfg.get("model")
        model = Estimator.registry.get(name) if isinstance(name, str) else None
        if model is None:
            raise CheckpointError(f"{where}: unknown model {name!r}")
        if not isinstance(cfg.get("params", {}), dict):
            raise CheckpointError(f"{where}: 'params' must be a mapping of parameter: value")
        defaults = {k: p.default for k, p in inspect.signature(model.__init__).parameters.items()}
        params = {k: tuple(v) if isinstance(v, list) and isinstance(defaults.get(k), tuple) else v
                  for k, v in cfg.get("params", {}).items()}
        try:
            return model(**params)
        except TypeError as e:
            raise CheckpointError(f"{where}: parameters do not fit {name} ({e})") from None

    @classmethod
    def load(cls, path: str | os.PathLike) -> Estimator:
        """The fitted estimator saved in run folder ``path``; nothing is unpickled, and the caller's global
        torch RNG is left as it was."""
        path = Path(path)
        cfg = read_config(path)
        if cfg.get("format_version") != FORMAT_VERSION:
            raise CheckpointError(
                f"{path / CONFIG}: format_version {cfg.get('format_version')!r} is not {FORMAT_VERSION}, "
                "the one this genzoo reads (upgrade genzoo?)"
            )
        if "fitted" not in cfg:
            raise CheckpointError(f"{path}: the run has not finished training (no fitted model); resume it first")
        est = Estimator.from_config(cfg, str(path / CONFIG))
        if not isinstance(est, cls):
            raise CheckpointError(f"{path / CONFIG}: holds a {cfg['model']}, not a {cls.__name__}")
        try:
            tensors = st_load((path / WEIGHTS).read_bytes())
        except FileNotFoundError:
            raise CheckpointError(f"{path}: no {WEIGHTS}") from None
        except (SafetensorError, ValueError, OSError) as e:
            raise CheckpointError(f"{path / WEIGHTS}: not a valid safetensors file ({e})") from None
        facts = cfg["fitted"]
        shape = facts.get("input_shape") if isinstance(facts, dict) else None
        if not isinstance(shape, list) or not shape or not all(type(v) is int and v > 0 for v in shape):
            raise CheckpointError(f"{path / CONFIG}: 'fitted' must hold the input_shape the model was trained on")
        if str(getattr(est, "device", "")).startswith("cuda") and not torch.cuda.is_available():
            est.device = "cpu"  # a run trained on a GPU loads on a machine without one
        try:
            est._check_params()
        except (ConfigError, TypeError, AttributeError) as e:
            raise CheckpointError(f"{path / CONFIG}: {e}") from None
        facts = dict(facts)
        est.input_shape_ = tuple(facts.pop("input_shape"))
        try:
            with torch.random.fork_rng(devices=[]):  # the net is built, then overwritten: loading draws nothing
                est._restore(facts, tensors)
        except (KeyError, RuntimeError, ValueError, TypeError, AttributeError, IndexError) as e:
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]  # never a C++ stack
            raise CheckpointError(f"{path / WEIGHTS}: weights do not fit the model in {CONFIG} ({reason})") from None
        return est


class NeuralEstimator(Estimator):
    """An estimator around ``module_``, an ``nn.Module`` trained by the engine.

    Subclasses build the module (``_build``) and are the engine's objective: ``train_step`` returns the
    :class:`~genzoo.engine.Update` s of one step (what to minimise, with which optimizer), ``eval_step`` the same
    losses without updating; ``modules`` and ``make_optimizers`` default to one module and one optimizer, ``main``.
    """

    @abstractmethod
    def _build(self, input_shape: tuple[int, ...]) -> nn.Module:
        """A fresh module for inputs of ``input_shape`` (weights drawn from the seeded global RNG)."""

    def _check_params(self) -> None:
        check_int("epochs", self.epochs, 0, allow_none=True)
        check_int("batch_size", self.batch_size, 1)
        if self.lr is not None or not self.lr_from_data:
            check_float("lr", self.lr, 0.0, low_open=True)
        check_float("weight_decay", self.weight_decay, 0.0)
        check_float("validation_fraction", self.validation_fraction, 0.0, 1.0, high_open=True)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_int("random_state", self.random_state, 0)
        resolve_device(self.device)

    # -- the engine's objective ------------------------------------------------------------------
    def modules(self) -> dict[str, nn.Module]:
        return {"main": self.module_}

    def make_optimizers(self) -> Optimizers:
        return {"main": make_optimizer(self.module_.parameters(), self.optimizer, self.lr, self.weight_decay)}

    def _losses(self, batch: Any, generator: torch.Generator) -> dict[str, Tensor]:
        """The losses of one batch, ``"loss"`` the one minimised. A model with one update defines this; a model with
        several (a GAN) overrides ``train_step`` and ``eval_step`` instead."""
        raise NotImplementedError(f"{type(self).__name__} defines neither _losses nor its own train_step/eval_step")

    def train_step(self, batch: Any, generator: torch.Generator, progress: Progress) -> list[Update]:
        """One update of ``main``, minimising ``_losses(batch)["loss"]``."""
        return [Update("main", lambda: self._losses(batch, generator))]

    def eval_step(self, batch: Any, generator: torch.Generator) -> dict[str, Tensor]:
        return self._losses(batch, generator)

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, *, run_dir: str | os.PathLike | None = None, resume: bool = False,
            quiet: bool = True, run_info: dict[str, Any] | None = None, on_nonfinite: str = "stop",
            precision: str = "fp32", hooks: Hooks | None = None) -> NeuralEstimator:
        """Train on images ``X`` ``(N, C, H, W)`` or rows ``(N, D)`` (uint8, or float in [0, 1]).

        With ``run_dir``, the run folder gets ``config.json``, ``metrics.jsonl``, a checkpoint after every
        epoch and, at the end, ``model.safetensors``; ``resume=True`` continues from its last checkpoint.
        A non-finite loss or gradient stops training (``on_nonfinite="stop"``) or drops the batch (``"skip"``).
        ``precision="bf16"`` trains with bfloat16 autocast (meant for CUDA; weights stay float32).
        ``hooks``: callbacks around the engine's phases (:class:`~genzoo.engine.Hooks`; the bench times with them).
        """
        self._check_params()
        check_choice("on_nonfinite", on_nonfinite, ON_NONFINITE)
        check_choice("precision", precision, PRECISIONS)
        data = self._fit_data(X)
        self.input_shape_ = tuple(data.shape[1:])
        self.n_features_in_ = int(np.prod(self.input_shape_))
        self.device_ = training_device(resolve_device(self.device))
        labels = self._fit_labels(y, len(data))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.random_state)
            self.module_ = place(self._build(self.input_shape_), self.device_)
        val = val_labels = None
        if self.validation_fraction > 0 and len(data) >= 10:
            train_idx, val_idx = validation_split(len(data), self.validation_fraction, self.random_state)
            data, val = data[train_idx], data[val_idx]
            if labels is not None:
                labels, val_labels = labels[train_idx], labels[val_idx]
        self.epochs_ = self._epochs_for(len(data))
        policy = Policy(epochs=self.epochs_, batch_size=self.batch_size, seed=self.random_state, device=self.device_,
                        binarize=self.binarize, on_nonfinite=on_nonfinite, precision=precision, quiet=quiet,
                        lr_schedule=self._lr_schedule())
        train_data = data if labels is None else (data, labels)
        val_data = val if val is None or val_labels is None else (val, val_labels)
        if run_dir is None:
            self._before_training(data, False, quiet)
            self.history_ = train(self, train_data, policy, val=val_data, hooks=hooks)
            return self
        with Run(run_dir) as run:  # under torchrun, rank 0 alone writes it
            resuming = run.claim(type(self).__name__, resume)
            if not resuming and run.write:
                run.write_config(self.config(**(run_info or {})))
            self._before_training(data, resuming, quiet)
            self.history_ = train(self, train_data, policy, val=val_data, run=run, resume=resume, hooks=hooks)
            if run.write:
                self.save(run.path, **(run_info or {}))
        return self

    def _fit_data(self, X: Any) -> Tensor:
        """The validated training data (the fitted facts it implies, such as a GAN's output range, are set here)."""
        return as_images(X, unit_range=self._unit_range())

    def _unit_range(self) -> bool:
        """Whether inputs must be images in [0, 1] (uint8 0-255); False: any real data."""
        return True

    def _fit_labels(self, y: Any, n: int) -> Tensor | None:
        """Labels to train with; unsupervised models ignore ``y`` (as scikit-learn transformers do)."""
        return None

    def _epochs_for(self, n_train: int) -> int:
        """``epochs``, or for ``epochs=None`` as many as make ``DEFAULT_STEPS`` steps of ``batch_size`` over
        ``n_train`` images, at least ``MIN_EPOCHS``: 10 on MNIST (422 steps each), 334 on the 8×8 digits (12)."""
        if self.epochs is not None:
            return self.epochs
        return epochs_for_steps(DEFAULT_STEPS, n_train, self.batch_size, MIN_EPOCHS)

    def _lr_schedule(self) -> Schedule | None:
        """The learning-rate schedule the engine follows (``engine.schedules``); None keeps ``lr`` throughout."""
        return None

    def _before_training(self, data: Tensor, resuming: bool, quiet: bool) -> None:
        """Hook run after ``module_`` is built, before the engine trains it (e.g. layer-wise pre-training)."""

    # -- inference -------------------------------------------------------------------------------
    def _map(self, fn: Callable[..., Tensor], data: Tensor, labels: Tensor | None = None) -> np.ndarray:
        """Apply ``fn`` to validated ``data`` in batches under ``torch.inference_mode``; return a NumPy array.
        With ``labels`` ``(N,)``, ``fn`` gets each batch of data and its labels."""
        self.module_.eval()
        outs = []
        with torch.inference_mode():
            for batch in Batches(data, INFERENCE_BATCH, shuffle=False, device=self._device(), labels=labels):
                outs.append((fn(*batch) if labels is not None else fn(batch)).cpu())
        return torch.cat(outs).contiguous().numpy()  # conv outputs may come in the channels-last layout

    def _images(self, X: Any, name: str = "X") -> Tensor:
        """``X`` checked against the fitted input shape."""
        self._check_fitted()
        return as_images(X, name, self.input_shape_, unit_range=self._unit_range())

    def _device(self) -> torch.device:
        return next(self.module_.parameters()).device

    def _generator(self, random_state: int | None) -> torch.Generator:
        """A generator on the model's device seeded with ``random_state`` (default: the estimator's own)."""
        seed = self.random_state if random_state is None else random_state
        return torch.Generator(device=self._device()).manual_seed(seed)

    # -- saving ----------------------------------------------------------------------------------
    def _state_tensors(self) -> dict[str, Tensor]:
        return {f"module.{k}": v for k, v in self.module_.state_dict().items()}

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        self.n_features_in_ = int(np.prod(self.input_shape_))
        self.device_ = resolve_device(self.device)
        state = {k.removeprefix("module."): v for k, v in tensors.items() if k.startswith("module.")}
        try:
            with torch.device("meta"):  # the shapes the config implies, before anything is allocated
                expected = {k: tuple(v.shape) for k, v in self._build(self.input_shape_).state_dict().items()}
        except (RuntimeError, NotImplementedError):  # a net built from data (a copied encoder): load_state_dict checks
            expected = None
        given = {k: tuple(v.shape) for k, v in state.items()}
        if expected is not None and expected != given:
            name = next(k for k in sorted(expected.keys() | given.keys()) if expected.get(k) != given.get(k))
            raise ValueError(f"{name} is {given.get(name, 'missing')} in the weights but the model in the config "
                             f"needs {expected.get(name, 'none')}")
        self.module_ = self._build(self.input_shape_)
        self.module_.load_state_dict(state)
        place(self.module_, self.device_).eval()


def store_params(estimator: BaseEstimator, params: dict[str, Any]) -> None:
    """Store ``__init__``'s arguments (pass ``locals()``) unchanged as attributes, as scikit-learn requires."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def place(module: nn.Module, device: torch.device) -> nn.Module:
    """Move ``module`` to ``device``; on the CPU, a module with convolutions also goes to the channels-last layout
    (oneDNN's fast path: 1.2-1.5x faster training steps for the conv VAE, conv AE and domain classifier, no change
    for the conv GAN; see ``genzoo bench``). Checkpoints and saved weights stay in the default layout."""
    module.to(device)
    if device.type == "cpu" and any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in module.modules()):
        module.to(memory_format=torch.channels_last)
    return module


def make_optimizer(params, name: str, lr: float, weight_decay: float = 0.0, momentum: float = 0.9,
                   betas: tuple[float, float] = (0.9, 0.999)) -> torch.optim.Optimizer:
    """Adam, SGD with momentum (the GAN paper's choice) or RMSprop without momentum (WGAN's), fused into one kernel
    where PyTorch offers it (about 1.3× faster steps for the MLP VAE on 2 CPU cores; see ``genzoo bench``)."""
    params = list(params)
    kwargs = {"lr": lr, "weight_decay": weight_decay}
    if name != "rmsprop":
        kwargs.update({"betas": tuple(betas)} if name == "adam" else {"momentum": momentum})
    optimizer = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop}[name]
    try:
        return optimizer(params, fused=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):  # an older PyTorch, or a device without fused kernels
        return optimizer(params, **kwargs)


def unwrapped(spec: Any) -> Any:
    """``spec``, or the fitted model in scikit-learn's ``FrozenEstimator(spec)``, which ``clone`` keeps fitted (so
    cross-validation reuses one pre-trained model instead of fitting it per fold)."""
    return spec.estimator if isinstance(spec, FrozenEstimator) else spec


def _jsonable(obj: Any) -> Any:
    obj = unwrapped(obj)
    if isinstance(obj, Estimator):  # e.g. the encoder an EncoderClassifier was given
        return obj.config()
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def epochs_for_steps(steps: int, n_train: int, batch_size: int, at_least: int) -> int:
    """The epochs that make at least ``steps`` steps of ``batch_size`` over ``n_train`` rows, and ``at_least``."""
    return max(at_least, math.ceil(steps / math.ceil(n_train / batch_size)))


def load(path: str | os.PathLike) -> Estimator:
    """The fitted estimator of run folder ``path`` (``genzoo.load("runs/ae")``)."""
    return Estimator.load(path)

