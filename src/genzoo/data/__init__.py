"""Datasets and batching: the IDX reader, where files come from, in-memory batches and corruptions."""

from .batches import Batches, binarize, to_float, validation_split
from .corrupt import NOISES, corrupt
from .datasets import dataset_info, dataset_names, load_dataset
from .idx import read_idx

__all__ = ["NOISES", "Batches", "binarize", "corrupt", "dataset_info", "dataset_names", "load_dataset", "read_idx",
           "to_float", "validation_split"]
