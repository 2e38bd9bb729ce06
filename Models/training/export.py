#!/usr/bin/env python3
"""Export a trained generator to ONNX: runs likeness_training/commands/export.py (`--help` for its options)."""
import sys

from likeness_training.commands.export import main

if __name__ == "__main__":
    sys.exit(main())
