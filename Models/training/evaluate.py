#!/usr/bin/env python3
"""Evaluate an exported generator against its crops: runs likeness_training/commands/evaluate.py (`--help` for its options)."""
import sys

from likeness_training.commands.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
