"""Dataset loaders and the per-language formula packs (`corpora/formulas/<lang>.yaml`)."""
