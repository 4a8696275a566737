"""Class labels as scikit-learn's classifiers take them: integers or strings, ``classes_`` the distinct labels seen,
errors that say what is wrong, and the classes saved with the model."""

import json
import warnings

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning

from genzoo import CVAE, ConfigError, load
from genzoo.models.labels import check_labels, fit_labels, labelled_subset


def test_classes_are_the_distinct_labels_and_the_model_sees_their_indices():
    idx, classes = fit_labels(np.array(["seven", "one", "seven", "four"]), 4)
    assert classes.tolist() == ["four", "one", "seven"] and idx.tolist() == [2, 1, 2, 0]
    idx, classes = fit_labels(np.array([3, 9, 3, 5]), 4)  # integers need not be 0..C-1
    assert classes.tolist() == [3, 5, 9] and idx.tolist() == [0, 2, 0, 1]
    idx, classes = fit_labels([2.0, 0.0, 2.0], 3)  # integral floats are integers (scikit-learn reads them so)
    assert classes.dtype.kind == "i" and classes.tolist() == [0, 2] and idx.tolist() == [1, 0, 1]
    idx, classes = fit_labels(np.array([4, -1, 7, -1]), 4, unlabelled=True)  # -1: no label
    assert classes.tolist() == [4, 7] and idx.tolist() == [0, -1, 1, -1]
    idx, classes = fit_labels(np.array([1, 1, 3]), 3, n_classes=5)  # n_classes: labels 0..4, some unseen
    assert classes.tolist() == [0, 1, 2, 3, 4] and idx.tolist() == [1, 1, 3]
    assert check_labels(np.array(["one", "four"]), 2, np.array(["four", "one", "seven"])).tolist() == [1, 0]
    assert check_labels(5, 3, np.array([3, 5, 9])).tolist() == [1, 1, 1]  # one label for every row


def test_a_column_of_labels_is_read_with_scikit_learns_warning():
    with pytest.warns(DataConversionWarning, match="column-vector y was passed"):
        idx, _ = fit_labels(np.array([[1], [0], [1]]), 3)
    assert idx.tolist() == [1, 0, 1]


@pytest.mark.parametrize("y, kwargs, match", [
    ([0.5, 1.0, 2.0], {}, r"Unknown label type: continuous. y holds 0.5: class labels are integers or strings"),
    ([0.0, np.nan, 1.0], {}, "Unknown label type: continuous. y holds nan"),
    (np.array([1, "a", 2], dtype=object), {}, r"y mixes label types \(int, str\); use integers or strings"),
    (np.array([1 + 2j, 1j, 0j]), {}, "y has dtype complex128: class labels are integers or strings"),
    ([1, 2], {}, r"y must hold one label per image: shaped \(3,\), got \(2,\)"),
    ([4, 4, 4], {}, r"y holds one class \(4\); a model of classes needs at least 2"),
    ([-1, -1, -1], {"unlabelled": True}, "y has no labelled row"),
    ([0, 1, 7], {"n_classes": 5}, r"y has label 7 but n_classes=5 \(labels 0 to 4\)"),
    (["a", "b", "a"], {"n_classes": 2}, r"y has label 'a' but n_classes=2"),
    (None, {}, r"this model requires y to be passed, but the target y is None: give class labels y, shaped \(3,\)"),
])
def test_bad_training_labels_say_what_is_wrong(y, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        fit_labels(y, 3, **kwargs)


def test_labels_the_model_was_not_trained_on_are_refused():
    with pytest.raises(ConfigError, match=r"y has class 'two', which the model was not trained on \(its classes are "
                                          r"\['four', 'one'\]\)"):
        check_labels(np.array(["one", "two"]), 2, np.array(["four", "one"]))
    with pytest.raises(ConfigError, match=r"y holds labels of type int64, the model's classes are \['four', 'one'\]"):
        check_labels(np.array([0, 1]), 2, np.array(["four", "one"]))
    with pytest.raises(ConfigError, match="--labels needs integer labels"):
        labelled_subset(np.array(["a", "b"] * 5), 4)


def test_a_model_of_string_labels_samples_by_name_and_keeps_its_classes(digits, tmp_path):
    (x, y), _ = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    cvae = CVAE(hidden=(32,), latent_dim=2, epochs=1).fit(x, names, run_dir=tmp_path / "run")
    assert sorted(cvae.classes_.tolist()) == cvae.classes_.tolist() and len(cvae.classes_) == 10
    assert cvae.sample(3, y="seven").shape == (3, 1, 8, 8)
    back = load(tmp_path / "run")
    assert back.classes_.tolist() == cvae.classes_.tolist()
    np.testing.assert_array_equal(back.sample(4, y="two", random_state=0), cvae.sample(4, y="two", random_state=0))
    with pytest.raises(ConfigError, match="class 'ten', which the model was not trained on"):
        back.sample(2, y="ten")


def test_a_run_saved_with_a_class_count_loads_its_classes(digits, tmp_path):
    (x, y), _ = digits
    CVAE(hidden=(16,), latent_dim=2, epochs=1).fit(x, y).save(tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    config["fitted"].pop("classes")
    config["fitted"]["n_classes"] = 10  # how runs were saved before labels were kept
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load(tmp_path / "old").classes_.tolist() == list(range(10))
