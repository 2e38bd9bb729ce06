#!/usr/bin/env python3
"""Train a Likeness portrait generator: see likeness_training/commands/train.py (`likeness-train`)."""
import sys

from likeness_training.commands.train import main

if __name__ == "__main__":
    sys.exit(main())
