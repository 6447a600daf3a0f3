"""Command line of the build: `python -m loaders build [--only STEP ...] [--if-stale]`."""

from __future__ import annotations

import argparse
import logging
import sys

from atlas.logs import setup_logging
from loaders.errors import BuildError
from loaders.pipeline import STEPS, build, is_stale

log = logging.getLogger("loaders")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="build data/build/ from the raw public files")
    build_cmd.add_argument("--only", nargs="+", choices=[name for name, _ in STEPS],
                           help="re-run only these steps on top of the previous build")
    build_cmd.add_argument("--if-stale", action="store_true",
                           help="do nothing when the build is newer than all its inputs")
    args = parser.parse_args(argv)

    setup_logging()
    if args.if_stale and not is_stale():
        log.info("data/build is up to date; nothing to do")
        return 0
    try:
        build(only=args.only)
    except BuildError as error:
        log.error("build stopped: %s", error.describe())
        return 2
    except Exception:
        log.exception("build failed with an unexpected error; the previous build is unchanged")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
