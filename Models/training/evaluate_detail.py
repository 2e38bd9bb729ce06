#!/usr/bin/env python3
"""Evaluate an exported detail stage against Lanczos: runs likeness_training/commands/evaluate_detail.py (`--help` for its options)."""
import sys

from likeness_training.commands.evaluate_detail import main

if __name__ == "__main__":
    sys.exit(main())
