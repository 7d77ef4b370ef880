"""abierto: open data publishing pipeline."""
