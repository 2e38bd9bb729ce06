#!/usr/bin/env python3
"""Export a trained detail stage to ONNX: runs likeness_training/commands/export_detail.py (`--help` for its options)."""
import sys

from likeness_training.commands.export_detail import main

if __name__ == "__main__":
    sys.exit(main())
