"""Command line: ``eastasia-security validate | reconcile | list | cite | grade | feedback | export-grades | course``.

A thin layer over the functions the notebooks call.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__


def _cmd_validate(args: argparse.Namespace) -> int:
    """Datasets, quiz banks and the course, each a Report of the same kind; exit 1 on any problem."""
    from . import course, quiz
    from .validation import validate_datasets

    datasets = Path(args.datasets) if args.datasets else None
    reports = [validate_datasets(datasets), quiz.validate_banks(args.quizzes, datasets=datasets)]
    endings = ["All datasets are valid.", "All quiz banks are valid."]
    if not args.skip_course:
        from . import assignments

        folder = course.find_course(args.course)
        if folder is not None and (folder / assignments.SPECS_FOLDER).is_dir():
            reports.append(assignments.validate_specs(folder))
            endings.append("All problem-set specifications are valid.")
        reports.append(course.validate_course(args.course))
        endings.append("All assignments are valid.")
    for report, all_good in zip(reports, endings):
        print(report.format(all_good))
    return 0 if all(r.ok for r in reports) else 1


def _cmd_reconcile(args: argparse.Namespace) -> int:
    from . import data, launches

    table = launches.reconcile(data.load("missile_launches"), data.load("launch_counter_totals"))
    print(launches.format_reconciliation(table))
    unexplained = table[~table["matches"] & ~table["explained"]]
    return 1 if len(unexplained) else 0


def _cmd_list(args: argparse.Namespace) -> int:
    from . import data

    for name in data.list_datasets():
        print(name)
    return 0


def _cmd_cite(args: argparse.Namespace) -> int:
    from . import data

    try:
        print(data.cite(args.source_id))
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    return 0


def _course_folder(args: argparse.Namespace) -> Path:
    """``--course``, else the current folder (nbgrader's convention: run from the course root)."""
    from . import autograde

    course = Path(args.course) if args.course else Path.cwd()
    if not autograde.is_course(course):
        where = "--course " + str(course) if args.course else f"the current folder ({course})"
        raise autograde.NotACourse(f"{where} is not an nbgrader course: it has no nbgrader_config.py. "
                                   "Run from the course folder (where nbgrader_config.py is) or pass --course FOLDER.")
    return course


UNSAFE_WARNING = """*** WARNING: grading WITHOUT a sandbox (--unsafe) ***
Student code runs with YOUR rights: it can read the model answers and hidden tests in source/,
rewrite the gradebook, read your home folder and leave processes running. Use this only for
submissions you trust, or on a machine that cannot sandbox (see course/INSTRUCTORS.md)."""


def _cmd_grade(args: argparse.Namespace) -> int:
    from . import autograde

    try:
        course = _course_folder(args)
        if args.unsafe:
            print(UNSAFE_WARNING, file=sys.stderr)
        report = Path(args.report) if args.report else course / f"grades-{args.assignment}.csv"
        results = autograde.grade(args.assignment, course, jobs=args.jobs, timeout=args.timeout,
                                  memory_mb=args.memory_mb, report=report, unsafe=args.unsafe,
                                  progress=sys.stderr)
    except autograde.SandboxUnavailable as exc:
        print(f"""\
*** REFUSING TO GRADE: student code cannot be isolated on this machine ***
Reason: {exc}
Without a sandbox, student code runs with your rights and can read the model answers and hidden
tests, rewrite the gradebook and outlive its notebook. Grade on Linux as root (a grading server,
a VM, CI), or re-run with --unsafe if you trust every submission.""", file=sys.stderr)
        return 2
    except (autograde.NotACourse, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(results.table())
    print(f"Report written to {report}")
    for problem in results.gradebook_problems:
        print(f"gradebook problem: {problem}", file=sys.stderr)
    return 1 if results.gradebook_problems else 0


def _cmd_feedback(args: argparse.Namespace) -> int:
    from . import autograde

    try:
        course = _course_folder(args)
    except autograde.NotACourse as exc:
        print(exc, file=sys.stderr)
        return 1
    outcome = autograde.generate_feedback(course, args.assignment, args.student or None)
    failed = {s: r for s, r in outcome.items() if not r.get("success")}
    for student, result in failed.items():
        last = (result.get("error") or "").strip().splitlines()
        print(f"{student}: feedback not generated ({last[-1] if last else 'no error given'})", file=sys.stderr)
    print(f"Feedback for {len(outcome) - len(failed)} of {len(outcome)} students in "
          f"{course / 'feedback'} (hidden tests removed, failed tests shown as their message)")
    return 1 if failed else 0


def _cmd_export_grades(args: argparse.Namespace) -> int:
    """The gradebook's totals as a Canvas or Moodle import file, students matched through the roster."""
    from . import autograde, lms

    canvas_ids = {}
    for pair in args.canvas_assignment or []:
        name, _, number = pair.partition("=")
        if not name or not number.isdigit():
            print(f"--canvas-assignment {pair!r}: expected NBGRADER_NAME=CANVAS_ID, e.g. ps1_geography=4711",
                  file=sys.stderr)
            return 2
        canvas_ids[name] = number
    try:
        course = _course_folder(args)
        output = Path(args.output or f"grades-{args.format}.csv")
        count = lms.export_grades(course, args.roster, args.format, output, identifier=args.moodle_identifier,
                                  canvas_ids=canvas_ids)
    except (autograde.NotACourse, lms.RosterError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{count} students written to {output} ({args.format} gradebook import)")
    return 0


def _cmd_course_init(args: argparse.Namespace) -> int:
    from . import assignments

    try:
        folder = assignments.init_course(args.folder)
    except (FileExistsError, FileNotFoundError, assignments.SpecError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    ledger = json.loads((folder / assignments.VARIANTS_FILE).read_text(encoding="utf-8"))
    print(f"Private course created in {folder}")
    for name, items in sorted(ledger["assignments"].items()):
        print(f"  {name}: " + ", ".join(f"{item} variant {v['variant']}" for item, v in items.items()))
    print(f"""Its secret is {folder / assignments.SECRET_FILE}; {assignments.VARIANTS_FILE} records the variants.
Keep this folder private (never in a public repository): it holds every answer. Next:
  cd {folder} && nbgrader generate_assignment ps1_geography""")
    return 0


def _parse_picks(values: list[str] | None) -> dict[str, int]:
    picks = {}
    for value in values or []:
        item, _, number = value.partition("=")
        if not item or not number.isdigit():
            raise ValueError(f"--pick {value!r}: expected ITEM=VARIANT, e.g. ps2-period=2")
        picks[item] = int(number)
    return picks


def _cmd_course_variant(args: argparse.Namespace) -> int:
    from . import assignments

    course = Path(args.course) if args.course else Path.cwd()
    try:
        names = assignments.list_specs(course) if args.assignment == "all" else [args.assignment]
        picks = _parse_picks(args.pick)
        for name in names:
            record = assignments.record_variants(course, name, picks if args.assignment != "all" else None)
            print(f"{name}: " + ", ".join(f"{item} variant {v['variant']} of {v['of']}" for item, v in record.items()))
    except (FileNotFoundError, assignments.SpecError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Wrote source/ and rubrics/ in {course}; recorded in {course / assignments.VARIANTS_FILE}. "
          "Run nbgrader generate_assignment next.")
    return 0


def _cmd_course_build(args: argparse.Namespace) -> int:
    from . import assignments

    try:
        report = assignments.validate_specs(args.course)
        if not report.ok:
            print(report.format())
            return 1
        stale = assignments.build_public(args.course, check=args.check)
    except (FileNotFoundError, assignments.SpecError) as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.check:
        for path in stale:
            print(f"out of date: {path} (run `eastasia-security course build`)", file=sys.stderr)
        return 1 if stale else 0
    print(f"{len(stale)} file(s) written" if stale else "Up to date.")
    return 0


def _cmd_course_calibrate(args: argparse.Namespace) -> int:
    from . import assignments

    course = Path(args.course) if args.course else Path.cwd()
    try:
        if args.report:
            print(assignments.format_calibration(assignments.calibration_report(course, args.assignment)))
            return 0
        key = assignments.make_calibration(course, args.assignment, args.grader or [])
    except (FileNotFoundError, assignments.SpecError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    for grader in sorted({v["grader"] for v in key.values()}):
        students = sorted(s for s, v in key.items() if v["grader"] == grader)
        print(f"{grader}: grade {', '.join(students)} in the formgrader, without looking at the grader's guide")
    print(f"""The anchors of every level are handed in under those ids, in an order of each grader's own.
Next: nbgrader autograde {args.assignment}   (so the formgrader lists them), grade them, then
      eastasia-security course calibrate {args.assignment} --report""")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eastasia-security", description="East Asian Security Course Kit")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check every dataset and quiz bank; exit 0 when clean, 1 otherwise")
    p.add_argument("--datasets", help="folder with datapackage.json (default: the kit's datasets)")
    p.add_argument("--quizzes", help="folder with the quiz banks (default: course/quizzes)")
    p.add_argument("--course", help="nbgrader course folder with source/ (default: the current folder if it is "
                                    "an nbgrader course, else the kit's course/)")
    p.add_argument("--skip-course", action="store_true",
                   help="check only datasets and quiz banks (an installed wheel carries no course)")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("reconcile", help="each counter's published annual launch totals beside the kit's count "
                                         "under the same rule; exit 1 if a difference is unexplained")
    p.set_defaults(func=_cmd_reconcile)
    p = sub.add_parser("grade", help="autograde every submission of an assignment with nbgrader, robustly and in parallel")
    p.add_argument("assignment")
    p.add_argument("--course", help="nbgrader course folder (default: the current folder)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--timeout", type=int, default=60, help="seconds a cell may run (default 60)")
    p.add_argument("--memory-mb", type=int, default=4096, help="memory cap per process in MB (default 4096)")
    p.add_argument("--report", help="CSV report path (default: COURSE/grades-ASSIGNMENT.csv)")
    p.add_argument("--unsafe", action="store_true",
                   help="grade without the sandbox (student code runs with your rights); only for trusted work "
                        "or machines that cannot sandbox")
    p.set_defaults(func=_cmd_grade)
    p = sub.add_parser("feedback", help="generate students' feedback (HTML) without hidden tests")
    p.add_argument("assignment")
    p.add_argument("--course", help="nbgrader course folder (default: the current folder)")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.set_defaults(func=_cmd_feedback)
    p = sub.add_parser("export-grades", help="write the gradebook's grades as a Canvas or Moodle gradebook import CSV")
    p.add_argument("--format", required=True, choices=["canvas", "moodle"])
    p.add_argument("--roster", required=True,
                   help="CSV with id,first_name,last_name and the LMS ids (email, lms_user_id, sis_user_id, "
                        "sis_login_id, section)")
    p.add_argument("--course", help="nbgrader course folder (default: the current folder)")
    p.add_argument("--output", help="CSV to write (default: grades-FORMAT.csv here)")
    p.add_argument("--moodle-identifier", choices=["email", "idnumber"], default="email",
                   help="the user field Moodle matches students by (default: email)")
    p.add_argument("--canvas-assignment", action="append", metavar="NAME=CANVAS_ID",
                   help="update the existing Canvas assignment CANVAS_ID with assignment NAME (repeatable); "
                        "without it Canvas creates a new assignment column")
    p.set_defaults(func=_cmd_export_grades)
    p = sub.add_parser("course", help="problem sets and variants: a private course folder with its own secret")
    course_sub = p.add_subparsers(dest="course_command", required=True)
    q = course_sub.add_parser("init", help="create a private course folder from the kit, with a new secret and "
                                          "every assignment rendered with the secret's variants")
    q.add_argument("folder")
    q.set_defaults(func=_cmd_course_init)
    q = course_sub.add_parser("variant", help="render ASSIGNMENT (or 'all') with the variants the course secret "
                                             "draws: solutions, hidden tests and the grader's guide")
    q.add_argument("assignment")
    q.add_argument("--course", help="the private course folder (default: the current folder)")
    q.add_argument("--pick", action="append", metavar="ITEM=VARIANT",
                   help="choose an item's variant instead of drawing it (repeatable)")
    q.set_defaults(func=_cmd_course_variant)
    q = course_sub.add_parser("calibrate", help="hand in the anchors for graders to score blind, then compare "
                                               "their scores with the anchors' (--report)")
    q.add_argument("assignment")
    q.add_argument("--course", help="the course folder (default: the current folder)")
    q.add_argument("--grader", action="append", help="a grader's short name (repeatable)")
    q.add_argument("--report", action="store_true", help="print each grader's scores beside the anchors'")
    q.set_defaults(func=_cmd_course_calibrate)
    q = course_sub.add_parser("build", help="render the public default variants into course/source and "
                                           "course/rubrics (the kit's maintainers)")
    q.add_argument("--course", help="course folder with problem_sets/ (default: the kit's course/)")
    q.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is out of date")
    q.set_defaults(func=_cmd_course_build)
    p = sub.add_parser("list", help="list the datasets")
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("cite", help="print the citation of a source_id")
    p.add_argument("source_id")
    p.set_defaults(func=_cmd_cite)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
