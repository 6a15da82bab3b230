"""Which language an article is written in: lingua (Apache-2.0), offline, on the outlet's own text.

English is the default: a text is read as another language only when lingua is confident of
it (``MIN_CONFIDENCE``) on enough words, so an English article with a foreign quotation or a
short caption-like text stays English and every English-only part keeps reading it.
"""

from __future__ import annotations

from functools import lru_cache

MIN_CONFIDENCE = 0.6
MIN_WORDS = 12
SAMPLE_CHARS = 4000


@lru_cache(maxsize=1)
def _detector():
    from lingua import LanguageDetectorBuilder

    # low-accuracy mode reads trigrams only: plenty for an article's worth of text, and 80 MB
    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language ("en" unless another is clear)."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    if len(sample.split()) < MIN_WORDS:
        return "en"
    values = _detector().compute_language_confidence_values(sample)
    if not values:
        return "en"
    top = values[0]
    code = top.language.iso_code_639_1.name.lower()
    return code if code == "en" or top.value >= MIN_CONFIDENCE else "en"
