"""Entry point of one grading worker process: ``python -m eastasia_security.autograde._worker SPEC``."""

import sys

from .runner import _worker_main

if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1]))
