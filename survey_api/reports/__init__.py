"""Figures: rollups kept current as ratings and dossier events arrive, and the reports read from them."""
