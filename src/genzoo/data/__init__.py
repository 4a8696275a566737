"""Datasets and batching: the IDX reader, where files come from, in-memory batches and corruptions."""

from .batches import Batches, binarize, to_float, validation_split
from .corrupt import NOISES, corrupt
from .datasets import dataset_info, dataset_names, load_dataset, select_classes
from .idx import read_idx
from .toy import TOY_NAMES, toy, toy_density, toy_modes, toy_std

__all__ = ["NOISES", "TOY_NAMES", "Batches", "binarize", "corrupt", "dataset_info", "dataset_names", "load_dataset",
           "read_idx", "select_classes", "to_float", "toy", "toy_density", "toy_modes", "toy_std", "validation_split"]
