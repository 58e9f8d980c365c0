"""Decision claims and certified accuracy for classifiers under neuron failures.

* :mod:`.data` reads a labelled data set (``.npz`` or ``.csv``);
* :mod:`.intervals` is the rigorous (outward-rounded) forward pass used to enumerate
  failure sets at a fixed input;
* :mod:`.decision` decides, per input, whether failures can change the predicted class;
* :mod:`.report` aggregates the per-input verdicts into an :class:`AccuracyReport`.
"""

from .data import DataError, check_dataset, load_dataset
from .report import AccuracyReport, PointVerdict, accuracy_report

__all__ = ["DataError", "load_dataset", "check_dataset", "PointVerdict", "AccuracyReport",
           "accuracy_report"]
