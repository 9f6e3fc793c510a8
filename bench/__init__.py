"""Load benchmark of the production setup: ``make bench`` (see bench/README.md)."""
