#!/usr/bin/env python3
"""A model's card, beside it and inside its .onnx: runs likeness_training/commands/card.py (`--help` for its options)."""
import sys

from likeness_training.commands.card import main

if __name__ == "__main__":
    sys.exit(main())
