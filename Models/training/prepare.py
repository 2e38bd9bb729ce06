#!/usr/bin/env python3
"""Aligned face crops from a dataset folder: runs likeness_training/commands/prepare.py (`--help` for its options)."""
import sys

from likeness_training.commands.prepare import main

if __name__ == "__main__":
    sys.exit(main())
