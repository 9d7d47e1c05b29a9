"""Command line: ``aigov [FILE]``, ``aigov demo``, ``aigov export``, ``aigov validate``.

The CLI calls the same core functions as the TUI. Bad arguments or files give one clear line
on stderr and a non-zero exit, never a traceback. Exit codes: 0 fine, 1 problems found
(``validate``; ``export`` of a file whose damaged values were set aside), 2 bad input
(arguments, missing or refused files), 3 internal error (a report is written, mode 0600).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .core import crash
from .core.catalogs import CatalogError, Catalogs, load_catalogs
from .core.demo import write_demo
from .core.export import ONLY_CHOICES, ExportError, export_workbook
from .core.model import validate_assessment
from .core.open_items import open_items
from .core.paths import default_export_dir
from .core.store import SUFFIX, Store, StoreError, load_read_only

COMMANDS = ("demo", "export", "import", "validate")
EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR, EXIT_INTERNAL = (
    crash.EXIT_OK, crash.EXIT_PROBLEMS, crash.EXIT_BAD_INPUT, crash.EXIT_INTERNAL)


class CliError(Exception):
    pass


def _parser(command: str | None) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--catalogs", metavar="DIR",
                        help="a folder of your own catalogs, loaded after the bundled ones "
                             "(default: the AIGOV_CATALOGS environment variable)")
    if command is None:
        p = argparse.ArgumentParser(
            prog="aigov", parents=[common],
            description="Terminal workbench for extending an ISO/IEC 27001 ISMS to AI systems.",
            epilog="Commands: aigov demo FILE [--force] [--open] · "
                   "aigov export FILE [--out DIR] [--only soa] · "
                   "aigov import FILE WORKBOOK [--dry-run] [--theirs | --ours] · "
                   "aigov validate FILE. Run 'aigov COMMAND --help' for details.",
        )
        p.add_argument("file", nargs="?", metavar="FILE",
                       help=f"assessment file ({SUFFIX}) to open; without it the home screen opens")
        p.add_argument("--version", action="version", version=f"aigov-tui {__version__}")
        return p
    p = argparse.ArgumentParser(prog=f"aigov {command}", parents=[common])
    p.add_argument("file", metavar="FILE", help=f"assessment file ({SUFFIX})")
    if command == "demo":
        p.description = "Write a realistic demo assessment for a fictional organisation."
        p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
        p.add_argument("--open", action="store_true",
                       help="open it in the workbench afterwards (an existing FILE is opened as it is)")
    elif command == "import":
        p.description = ("Read an edited copy of an exported workbook back: print the diff "
                         "(added, changed field by field, missing, cannot be applied, conflicts) "
                         "and apply it all or nothing, after a backup (FILE.bak).")
        p.add_argument("workbook", metavar="WORKBOOK", help="the edited workbook (.xlsx)")
        p.add_argument("--dry-run", action="store_true", help="print the diff; change nothing")
        side = p.add_mutually_exclusive_group()
        side.add_argument("--theirs", action="store_true",
                          help="on a conflict (changed in both since the export) take the workbook's value")
        side.add_argument("--ours", action="store_true",
                          help="on a conflict keep the assessment's value")
        p.add_argument("--delete-missing", action="store_true",
                       help="delete records that are missing from the workbook (never done otherwise)")
        p.add_argument("--other-assessment", action="store_true",
                       help="read a workbook exported from another assessment")
    elif command == "export":
        p.description = "Write the assessment workbook (.xlsx) and print its path."
        p.add_argument("--out", metavar="DIR", help="folder for the workbook (default: ./exports)")
        p.add_argument("--only", choices=list(ONLY_CHOICES),
                       help="write only one part as a workbook of its own: 'soa' gives the "
                            "stand-alone Statement of Applicability (Cover, SoA, Mandatory "
                            "Clauses, Control Mapping, Gaps)")
    else:
        p.description = "Report every problem in an assessment; exit 1 if there are any."
    return p


def _catalogs(folder: str | None) -> Catalogs:
    """Bundled catalogs plus the user's folder (--catalogs, else the AIGOV_CATALOGS setting)."""
    folder = folder or os.environ.get("AIGOV_CATALOGS") or None
    try:
        cats = load_catalogs(folder)
    except CatalogError as exc:
        raise CliError(f"bundled catalog error: {exc}") from None
    for message in cats.skipped:
        print(f"aigov: warning: {message}", file=sys.stderr)
    return cats


def cmd_demo(args: argparse.Namespace) -> int:
    path = Path(args.file).expanduser()
    if path.is_dir():
        raise CliError(f"{path} is a folder; give a file name ending in {SUFFIX}.")
    if path.exists() and not args.force and args.open:
        print(f"{path} exists; opening it as it is (add --force for a fresh demo).")
        return run_tui(path, args.catalogs)
    if path.exists() and not args.force:
        raise CliError(f"{path} already exists; add --force to overwrite it.")
    write_demo(path, catalogs=_catalogs(args.catalogs), overwrite=args.force)
    print(f"Wrote demo assessment {path} (its evidence files are in {path.parent / 'demo-evidence'})")
    if args.open:
        return run_tui(path, args.catalogs)
    return EXIT_OK


def cmd_export(args: argparse.Namespace, catalogs: Catalogs | None = None) -> int:
    assessment = load_read_only(args.file)
    out = Path(args.out) if args.out else default_export_dir()
    # relative evidence paths are read against the assessment's folder, as in the TUI
    path = export_workbook(assessment, out, catalogs=catalogs, only=args.only,
                           evidence_base=Path(args.file).expanduser().parent)
    print(path)
    for p in assessment.load_problems:
        print(f"aigov: warning: {p}", file=sys.stderr)
    if assessment.load_problems:
        print(f"aigov: {args.file} has damaged values (listed above); they were left out of the "
              "workbook. Run 'aigov validate' for every problem.", file=sys.stderr)
        return EXIT_PROBLEMS
    if assessment.extra.get("quarantine"):
        print(f"aigov: warning: {args.file} keeps values set aside at an earlier load in its "
              "'quarantine' table; they are not in the workbook (its Cover says so). Run "
              "'aigov validate' to list them.", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_import(args: argparse.Namespace, catalogs: Catalogs | None = None) -> int:
    from .core.workbook_import import (MISSING, UNAPPLIABLE, ImportRefused, WorkbookRefused,
                                       apply_diff, preview)

    path = Path(args.file).expanduser()
    with Store.open(path, read_only=args.dry_run) as store:
        assessment = store.load()
        try:
            diff = preview(assessment, Path(args.workbook).expanduser(), catalogs,
                           allow_foreign=args.other_assessment)
        except WorkbookRefused as exc:
            raise CliError(str(exc)) from None
        print(f"{args.workbook}: {diff.summary()}.")
        for row in diff.rows:
            if row.kind != MISSING or args.delete_missing:
                print("\n".join(row.describe()))
        missing = diff.of_kind(MISSING)
        if missing and not args.delete_missing:
            print(f"Not in the workbook (kept; --delete-missing deletes them): "
                  f"{', '.join(r.sheet + ' ' + r.record_id for r in missing[:30])}"
                  f"{' …' if len(missing) > 30 else ''}")
        if diff.of_kind(UNAPPLIABLE):
            print("Nothing was changed: fix or remove the rows that cannot be applied.")
            return EXIT_PROBLEMS
        if diff.conflicts and not (args.theirs or args.ours):
            print("Nothing was changed: fields changed in both the assessment and the workbook "
                  "since the export; choose --theirs (the workbook) or --ours.")
            return EXIT_PROBLEMS
        if args.dry_run:
            print("Dry run: nothing was changed.")
            return EXIT_OK
        if diff.empty and not (args.delete_missing and missing):
            print("No changes to apply.")
            return EXIT_OK
        try:
            updated = apply_diff(assessment, diff, catalogs,
                                 conflicts="theirs" if args.theirs else "ours",
                                 delete_missing=[r.key for r in missing] if args.delete_missing
                                 else ())
        except ImportRefused as exc:
            raise CliError(f"nothing was changed: {exc}") from None
        bak = store.backup()
        store.save(updated)
    print(f"Applied to {path}" + (f" (the previous version is in {bak})." if bak else "."))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, catalogs: Catalogs | None = None,
                 today: _dt.date | None = None) -> int:
    assessment = load_read_only(args.file)
    problems = validate_assessment(assessment, catalogs)
    items = open_items(assessment, catalogs, today or _dt.date.today(),
                       evidence_base=Path(args.file).expanduser().parent)
    if not problems and not items:
        print(f"{args.file}: no problems found.")
        return EXIT_OK
    if problems:
        print(f"{args.file}: {len(problems)} problem{'s' if len(problems) != 1 else ''}:")
        for p in problems:
            print(f"  - {p}")
    else:
        print(f"{args.file}: no problems in the records.")
    if items:
        print(f"{len(items)} open item{'s' if len(items) != 1 else ''} needing attention:")
        for item in items:
            print(f"  - {item}")
    return EXIT_PROBLEMS


def run_tui(path: Path | None, catalogs_dir: str | None) -> int:
    cats = _catalogs(catalogs_dir)
    if path is not None and not os.path.lexists(Path(path).expanduser()):
        raise CliError(f"{path} does not exist. Create it from the home screen (run 'aigov') "
                       f"or write a demo with 'aigov demo {path}'.")
    if path is not None:
        Store.check_openable(Path(path).expanduser())  # a FIFO or device: refused before the TUI
    from .app import make_app  # textual is imported only when the TUI runs

    app = make_app(path=path, catalogs=cats)
    app.run()
    return app.return_code or EXIT_OK


def _command_first(argv: list[str]) -> list[str]:
    """``aigov --catalogs DIR validate FILE`` works like ``aigov validate --catalogs DIR FILE``:
    the options shared by every command may come before the command."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in COMMANDS:
            return [arg, *argv[:i], *argv[i + 1:]]
        if arg == "--catalogs":
            i += 2
        elif arg.startswith("--catalogs="):
            i += 1
        else:
            break
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):  # a message never fails on an odd character
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    argv = _command_first(argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = _parser(command)
    try:
        args = parser.parse_args(argv[1:] if command else argv)
    except SystemExit as exc:  # argparse has printed its message
        return EXIT_OK if exc.code == 0 else EXIT_ERROR
    try:
        if command == "demo":
            return cmd_demo(args)
        if command == "export":
            return cmd_export(args, _catalogs(args.catalogs))
        if command == "import":
            return cmd_import(args, _catalogs(args.catalogs))
        if command == "validate":
            return cmd_validate(args, _catalogs(args.catalogs))
        return run_tui(Path(args.file) if args.file else None, args.catalogs)
    except (CliError, StoreError, ExportError) as exc:
        print(f"aigov: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: one line and a private report, never a traceback
        report = crash.write_report(exc, f"aigov {' '.join(argv[:1])}".strip())
        print(crash.one_line(exc, report), file=sys.stderr)
        return EXIT_INTERNAL
