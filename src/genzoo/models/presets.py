"""Estimators that are another with other defaults, or with a few more parameters: one ``__init__`` made from the
other's signature, so that a preset repeats no parameter list and scikit-learn's ``get_params`` sees it whole."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .base import store_params


def init_with(base: type, **changes: Any) -> Callable[..., None]:
    """An ``__init__`` taking ``base``'s parameters, with the defaults in ``changes`` (a name ``base`` lacks is a new
    parameter, after its own), storing every argument as scikit-learn requires."""
    signature = inspect.signature(base.__init__)
    params = [p.replace(default=changes.pop(p.name)) if p.name in changes else p for p in signature.parameters.values()]
    params += [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=value)
               for name, value in changes.items()]
    signature = signature.replace(parameters=params)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        store_params(self, bound.arguments)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    return __init__
