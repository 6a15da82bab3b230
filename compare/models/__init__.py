"""Models shipped with the package: the claim-pair judge (``pair-minilm/``, see its MODEL_CARD.md)."""

from pathlib import Path

PAIR_MODEL_DIR = Path(__file__).parent / "pair-minilm"
