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


def printable(text: str) -> str:
    """``text`` safe to print to a terminal: control characters (ESC, BEL, CR, ...) and bytes a
    file name carried that are not UTF-8 (surrogate escapes) shown as escapes, never sent raw.
    Tabs and newlines are escaped too: one warning stays one line."""
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0xDC80 <= code <= 0xDCFF:  # a non-UTF-8 byte of a file name (os.fsdecode's surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF or ch in "\u2028\u2029\u202e\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d":
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
