"""A local production-like cluster: `make cluster` (python -m cluster), see cluster/local.py."""
