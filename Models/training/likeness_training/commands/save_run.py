"""Keep a generator run in git between sessions: its checkpoint made slim (see gan.slim_checkpoint), its log and
config, in a folder `make train` continues from when the run's own folder is gone."""
import argparse
import shutil
from pathlib import Path

from likeness_training.gan import slim_checkpoint


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", type=Path, required=True, help="the run's folder (checkpoint.pt, log.jsonl, config.json)")
    parser.add_argument("--out", type=Path, required=True, help="where to keep it (resume.pt, log.jsonl, config.json)")
    args = parser.parse_args(argv)
    if not (args.run / "checkpoint.pt").is_file():
        parser.error(f"no {args.run / 'checkpoint.pt'}")
    slim_checkpoint(args.run / "checkpoint.pt", args.out / "resume.pt")
    for name in ("log.jsonl", "config.json"):
        shutil.copy(args.run / name, args.out / name)
    print(f"save-run: {args.out / 'resume.pt'} ({(args.out / 'resume.pt').stat().st_size / 1e6:.1f} MB)")
    return 0
