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


# English function words no other language writes often: a text where they are one word in
# eight is English without asking lingua (whose models take a second to load)
ENGLISH_WORDS = frozenset("the and of to that is was for with said his her from have has were this which are by "
                          "it its their they been would will in on at after while who he she not be an as but".split())
LATIN_MIN_WORDS = 40  # a shorter text in Latin letters is English unless lingua is sure
LATIN_CONFIDENCE = 0.9
ENGLISH_SHARE = 0.125


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language ("en" unless another is clear)."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    words = sample.lower().split()
    letters = [ch for ch in sample if ch.isalpha()]
    latin = sum(ch.isascii() or "\u00c0" <= ch <= "\u024f" for ch in letters) >= 0.5 * max(len(letters), 1)
    # Chinese and Japanese put no spaces between words: count their letters instead
    if len(words) < MIN_WORDS and (latin or len(letters) < 3 * MIN_WORDS):
        return "en"
    if sum(w.strip(".,;:!?\"'()“”‘’") in ENGLISH_WORDS for w in words) >= ENGLISH_SHARE * len(words):
        return "en"
    if latin and len(words) < LATIN_MIN_WORDS:
        need = LATIN_CONFIDENCE  # short Latin-script texts are where lingua errs ("Yoruba" for a name-heavy line)
    else:
        need = LATIN_CONFIDENCE if latin else MIN_CONFIDENCE
    values = _detector().compute_language_confidence_values(sample)
    if not values:
        return "en"
    top = values[0]
    code = top.language.iso_code_639_1.name.lower()
    return code if code == "en" or top.value >= need else "en"


def normalize_language(value) -> str | None:
    """A language as manifests and scrapers write it ("en", "EN", "en-US", "pt_BR", "English")
    -> its ISO 639-1 code; None when it names no language (then the text is detected)."""
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip().lower().replace("_", "-").split("-")[0]
    if len(v) == 2 and v.isalpha():
        return v
    from lingua import Language

    for lang in Language.all():
        if lang.name.lower() == v:
            return lang.iso_code_639_1.name.lower()
    return None
