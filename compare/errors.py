"""Exceptions raised by the library; the CLI turns them into one-line errors."""


class CompareError(Exception):
    """Base class: the message says what is wrong and what to do."""


class InputError(CompareError):
    """A path, file or manifest cannot be used as input."""


class CorpusError(CompareError):
    """The input as a whole cannot be compared (e.g. a single outlet)."""


class ModelError(CompareError):
    """An embedding or language model cannot be loaded."""


class GoldError(CompareError):
    """A gold annotation file is malformed or does not match its corpus."""
