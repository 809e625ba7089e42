"""Checks of every submission before nbgrader sees it: file names, valid notebooks, tampering.

Returns :class:`~eastasia_security.autograde.flags.Flag` objects. It never removes a student's
file. The code patterns below only *flag* a submission for review: what stops such code is the
sandbox (:mod:`eastasia_security.autograde.sandbox`), not this list.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from .flags import Code, Flag

__all__ = ["preflight", "SUSPICIOUS"]

#: (pattern, code, what) for code in answer cells that deserves a human look.
SUSPICIOUS = [
    (re.compile(r"\bimport\s+builtins\b|\b__builtins__\b|\bbuiltins\s*\."), Code.TAMPERING, "touches builtins"),
    (re.compile(r"eastasia_security\.grading|\bgrading\s*\.\s*expect_\w+\s*="), Code.TAMPERING, "touches the test helpers"),
    (re.compile(r"^\s*(def\s+expect_\w+|expect_\w+\s*=)", re.M), Code.TAMPERING, "redefines a test helper"),
    (re.compile(r"\bsys\.modules\b"), Code.TAMPERING, "edits sys.modules"),
    (re.compile(r"^\s*(AssertionError|len|sorted|int|float|isinstance)\s*=", re.M), Code.TAMPERING, "redefines a builtin"),
    (re.compile(r"gradebook|nbgrader_config|\b(source|release|autograded|submitted|feedback)/|['\"](source|release)['\"]"
                r"|/home\b|/root\b|\.ipynb['\"]"),
     Code.LEAK_ATTEMPT, "reaches for the course's files"),
    (re.compile(r"events\.register|input_transformers|ast_transformers|\b(pre|post)_run_cell\b"),
     Code.TAMPERING, "hooks the cells the grader runs (it could read or rewrite the tests)"),
    (re.compile(r"\bos\.(kill|killpg|fork|forkpty|setsid|getppid|setpgid)\b|start_new_session|\bnohup\b|\bdaemon\b"
                r"|\bsignal\.SIG(KILL|TERM|STOP)\b|\brmtree\b|\bos\.(remove|unlink|truncate)\b"),
     Code.GRADER_ATTACK, "signals, forks, detaches or deletes files"),
    (re.compile(r"\bimport\s+(socket|requests|urllib3?|http\.client)\b|\bfrom\s+(socket|urllib|http)\b|\burlopen\b"
                r"|\bsocket\.(socket|create_connection)\b"),
     Code.NETWORK, "opens network connections"),
]


#: Files nbgrader's exchange puts beside every submission (``nbgrader submit``/``collect``): its
#: bookkeeping, not the student's work (the secret names the student's released feedback).
NBGRADER_FILES = {"timestamp.txt", "submission_secret.txt"}


def _cells(nb: dict) -> list[dict]:
    return nb.get("cells", []) if isinstance(nb, dict) else []


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _meta(cell: dict) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def preflight(course: Path, assignment: str, student: str) -> tuple[bool, list[Flag]]:
    """(gradable, flags) for one submission, before nbgrader sees it.

    It never removes a student's file. For a notebook handed in under another name it adds a
    copy under the expected name; for one with repeated grade cells it grades a copy without
    the repeats and keeps the notebook as handed in beside it (``*.as-submitted``).
    """
    folder = course / "submitted" / student / assignment
    release_dir = course / "release" / assignment
    expected = sorted(p.name for p in release_dir.glob("*.ipynb"))
    flags: list[Flag] = []
    present = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
    others = [p.name for p in folder.iterdir() if p.is_file() and not p.name.endswith(".ipynb")
              and p.name not in NBGRADER_FILES] if folder.is_dir() else []
    if others:
        flags.append(Flag(Code.EXTRA_FILES, f"extra files: {', '.join(sorted(others))}"))
    if not present:
        flags.append(Flag(Code.NO_NOTEBOOK, "no notebook submitted: not graded"))
        return False, flags
    missing = [name for name in expected if name not in present]
    unexpected = [name for name in present if name not in expected and not name.startswith("_kit_")]
    if missing and len(missing) == 1 and len(unexpected) == 1:
        # One notebook under another name: grade it under the expected name, keep the original.
        shutil.copy2(folder / unexpected[0], folder / missing[0])
        flags.append(Flag(Code.WRONG_FILE_NAME, f"wrong file name: graded '{unexpected[0]}' as '{missing[0]}'"))
        missing = []
    elif missing:
        flags.append(Flag(Code.MISSING_NOTEBOOK, f"missing notebook(s) {', '.join(missing)}; found {', '.join(present)}: not graded"))
        return False, flags
    release = {name: json.loads((release_dir / name).read_text(encoding="utf-8")) for name in expected}
    for name in expected:
        raw = (folder / name).read_bytes()
        try:
            nb = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            flags.append(Flag(Code.INVALID_NOTEBOOK, f"{name} is not a valid notebook ({str(exc)[:80]}): not graded"))
            return False, flags
        if not isinstance(nb, dict) or not _cells(nb):
            flags.append(Flag(Code.EMPTY_NOTEBOOK, f"{name} is empty (no cells): not graded, 0 points"))
            return False, flags
        flags.extend(_tampering(nb, release[name], name))
        duplicates = _drop_duplicate_grade_cells(nb)
        if duplicates:
            # nbgrader 0.9 cannot grade a notebook with a repeated grade_id (its DeduplicateIds
            # leaves metadata that later steps reject). Grade a copy without the repeats; the
            # notebook as handed in is kept beside it, byte for byte.
            original = folder / f"{name}.as-submitted"
            if not original.exists():
                original.write_bytes(raw)
            (folder / name).write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
            flags.append(Flag(Code.DUPLICATED_CELLS, f"graded without the repeated cells {', '.join(repr(d) for d in duplicates)}; the notebook as handed in is kept as {original.name}"))
    return True, flags


def _drop_duplicate_grade_cells(nb: dict) -> list[str]:
    """Remove second and later cells with an already-seen grade_id; return their ids."""
    seen, kept, dropped = set(), [], []
    for cell in _cells(nb):
        gid = _meta(cell).get("grade_id")
        if gid and gid in seen:
            dropped.append(gid)
            continue
        if gid:
            seen.add(gid)
        kept.append(cell)
    nb["cells"] = kept
    return dropped


def _tampering(nb: dict, release: dict, name: str) -> list[Flag]:
    flags: list[Flag] = []
    released = {_meta(c).get("grade_id"): c for c in _cells(release) if _meta(c).get("grade_id")}
    seen: dict[str, int] = {}
    for cell in _cells(nb):
        gid = _meta(cell).get("grade_id")
        if gid:
            seen[gid] = seen.get(gid, 0) + 1
    for gid, count in seen.items():
        if count > 1:
            flags.append(Flag(Code.DUPLICATED_CELLS, f"{name}: grade cell '{gid}' appears {count} times"))
    by_id = {_meta(c).get("grade_id"): c for c in _cells(nb) if _meta(c).get("grade_id")}
    for gid, original in released.items():
        meta = _meta(original)
        is_test = meta.get("grade") and not meta.get("solution")
        mine = by_id.get(gid)
        if mine is None:
            if is_test or meta.get("solution"):
                flags.append(Flag(Code.TAMPERING, f"{name}: deleted cell '{gid}' (nbgrader restores it)"))
            continue
        if is_test and _source(mine).strip() != _source(original).strip():
            flags.append(Flag(Code.TAMPERING, f"{name}: edited test cell '{gid}' (nbgrader restores it)"))
        if meta.get("grade") and _meta(mine).get("points") != meta.get("points"):
            flags.append(Flag(Code.TAMPERING, f"{name}: changed points on '{gid}' (ignored)"))
    kernel = (nb.get("metadata") or {}).get("kernelspec", {}).get("name")
    if kernel != (release.get("metadata") or {}).get("kernelspec", {}).get("name"):
        flags.append(Flag(Code.TAMPERING, f"{name}: changed kernel to {kernel!r} (nbgrader restores it)"))
    for index, cell in enumerate(_cells(nb)):
        if cell.get("cell_type") != "code" or _meta(cell).get("locked"):
            continue
        found: set[Code] = set()
        for pattern, code, what in SUSPICIOUS:
            if code not in found and pattern.search(_source(cell)):
                found.add(code)
                flags.append(Flag(code, f"{name}, cell {index + 1}: code {what}: review the graded notebook"))
    return list(dict.fromkeys(flags))
