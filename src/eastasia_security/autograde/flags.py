"""Flags: what the grader noticed about a submission, as a code (for filters and CSV) and a message.

>>> from eastasia_security.autograde.flags import Code, Flag
>>> str(Flag(Code.TIMEOUT, "a cell ran longer than 10 s and was interrupted"))
'timeout: a cell ran longer than 10 s and was interrupted'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Code", "Flag", "NOT_GRADED"]


class Code(str, Enum):
    """Every kind of flag. The value is what the CSV and the terminal table show."""

    # found before grading
    NO_NOTEBOOK = "no-notebook"
    INVALID_NOTEBOOK = "invalid-notebook"
    EMPTY_NOTEBOOK = "empty-notebook"
    MISSING_NOTEBOOK = "missing-notebook"
    WRONG_FILE_NAME = "wrong-file-name"
    EXTRA_FILES = "extra-files"
    DUPLICATED_CELLS = "duplicated-cells"
    TAMPERING = "tampering"                # edited/deleted test cells, points, kernel, helpers, builtins
    LEAK_ATTEMPT = "leak-attempt"          # reaching for the answers, hidden tests or grader files
    GRADER_ATTACK = "grader-attack"        # signalling other processes, wiping files, detaching
    NETWORK = "network"                    # code that opens network connections
    # found while or after grading
    TIMEOUT = "timeout"
    MEMORY = "memory"
    OUTPUT_CUT = "output-cut"
    KERNEL_DIED = "kernel-died"
    KILLED = "killed"                      # the grading process itself died on this submission
    LINGERING = "lingering-processes"
    PROCESS_LIMIT = "process-limit"
    WROTE_OUTSIDE = "wrote-outside"        # files outside its folder (discarded with the sandbox)
    LEAKED_OUTPUT = "leaked-output"        # hidden test or model answer text in an output: removed
    NOT_GRADED = "not-graded"              # nbgrader could not grade it (its error is in the message)
    NOT_RECORDED = "not-recorded"


#: Codes whose submissions get no score (reviewed by hand).
NOT_GRADED = frozenset({Code.NO_NOTEBOOK, Code.INVALID_NOTEBOOK, Code.EMPTY_NOTEBOOK, Code.MISSING_NOTEBOOK,
                        Code.KERNEL_DIED, Code.KILLED, Code.NOT_GRADED, Code.NOT_RECORDED})


@dataclass(frozen=True)
class Flag:
    code: Code
    message: str

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"

    def to_dict(self) -> dict:
        return {"code": self.code.value, "message": self.message}
