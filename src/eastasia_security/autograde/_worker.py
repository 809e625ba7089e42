"""Entry point of one grading worker process: ``python -m eastasia_security.autograde._worker SPEC``."""

import sys

# jsonschema (via nbformat) imports rfc3987_syntax when it is installed, which builds a parser for
# the "iri" string format at import: 2-3 s per worker, for a format no notebook schema uses.
# Without it jsonschema simply has no "iri" checker (its documented behaviour when it is absent).
sys.modules.setdefault("rfc3987_syntax", None)

from .runner import _worker_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1]))
