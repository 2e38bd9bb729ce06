#!/usr/bin/env python3
"""Train a detail stage (refiner or painter): runs likeness_training/commands/train_detail.py (`--help` for its options)."""
import sys

from likeness_training.commands.train_detail import main

if __name__ == "__main__":
    sys.exit(main())
