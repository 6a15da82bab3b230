"""Linking claims into facts: candidates, the pair judge, the stacked model and its cascade,
judged links, clustering into facts, and each claim's graded counterparts in other articles."""
