"""The errors genzoo raises for problems a user can fix. The CLI prints them as one line."""

from sklearn.exceptions import NotFittedError as _SklearnNotFitted


class GenzooError(Exception):
    """Base class: a problem with the user's input, files or settings, with a message saying the fix."""


class DatasetError(GenzooError, ValueError):
    """A dataset is unknown, missing, truncated or corrupt."""


class ConfigError(GenzooError, ValueError):
    """A parameter, config file or command-line value is not allowed."""


class NotFittedError(ConfigError, _SklearnNotFitted):
    """An estimator was used before ``fit`` (also scikit-learn's ``NotFittedError``, as its tools expect)."""


class InputTypeError(ConfigError, TypeError):
    """Input of a type genzoo cannot use: values that are not numbers (also a ``TypeError``, as NumPy raises)."""


class CheckpointError(GenzooError):
    """A run folder, weights file or checkpoint cannot be read or written."""


class OutputError(GenzooError, OSError):
    """A file cannot be written (no permission, disk full); the file that was there before is unchanged."""


class GenzooWarning(UserWarning):
    """Something in a run looks wrong but training goes on (e.g. a GAN whose discriminator wins outright)."""
