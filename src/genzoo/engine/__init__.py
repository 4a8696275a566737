"""The training engine: one loop, run folders, checkpoints."""

from .checkpoint import load_state, save_state
from .runs import Run, read_config, read_metrics
from .trainer import Objective, TrainingStopped, evaluate, train

__all__ = ["Objective", "Run", "TrainingStopped", "evaluate", "load_state", "read_config", "read_metrics",
           "save_state", "train"]
