"""The training engine: one loop, the updates it applies for the models, run folders, checkpoints."""

from .checkpoint import load_state, save_state
from .runs import Run, read_config, read_metrics
from .step import Hooks, NonFiniteStep, Objective, Progress, Stepper, Update
from .trainer import Policy, TrainingStopped, evaluate, train

__all__ = ["Hooks", "NonFiniteStep", "Objective", "Policy", "Progress", "Run", "Stepper", "TrainingStopped", "Update",
           "evaluate", "load_state", "read_config", "read_metrics", "save_state", "train"]
