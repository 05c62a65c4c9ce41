#!/usr/bin/python3
"""The man pages are lint-clean and document every long option of --help.

Usage: man_check.py MAN_DIR BIN_DIR

1. `mandoc -T lint -W warning PAGE` prints nothing for every page in MAN_DIR.
2. For every shopkit program that is built in BIN_DIR, MAN_DIR has its page
   (PROG.1), and every long option that `PROG --help` prints appears in that
   page as an option: `Fl \\-name` / `Fl -name` on a macro line, or `\\-\\-name`
   in text or a literal display.

Exit status 0 when every check passes, 1 when one fails (each failure says
what and where), 2 for bad usage.
"""

import os
import re
import shutil
import subprocess
import sys

PROGRAMS = ("shopcheck", "shopannounce", "shoprecover", "shopreport")
PAGE_SUFFIXES = (".1", ".5", ".7", ".8")
LONG_OPTION = re.compile(r"(?<![A-Za-z0-9_-])--([a-z][a-z-]*)")


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, what):
        self.passed += 1
        print(f"ok: {what}")

    def fail(self, what):
        self.failed += 1
        print(f"FAIL: {what}")


def pages_in(man_dir):
    return sorted(
        os.path.join(man_dir, name)
        for name in os.listdir(man_dir)
        if name.endswith(PAGE_SUFFIXES) and os.path.isfile(os.path.join(man_dir, name))
    )


def lint(mandoc, page, results):
    proc = subprocess.run(
        [mandoc, "-T", "lint", "-W", "warning", page],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    output = proc.stdout.strip()
    name = os.path.basename(page)
    if output or proc.returncode != 0:
        detail = output if output else f"exit status {proc.returncode}"
        results.fail(f"mandoc -T lint -W warning {name}:\n    " + detail.replace("\n", "\n    "))
    else:
        results.ok(f"{name} lints clean")


def long_options(help_text):
    """Every --name in the help text, in order of first appearance."""
    seen = []
    for match in LONG_OPTION.finditer(help_text):
        name = match.group(1).rstrip("-")
        if name and name not in seen:
            seen.append(name)
    return seen


def documented(page_text, name):
    """True when the mdoc source shows --name as an option.

    mdoc writes an option as `.Fl \\-name` (or `.Fl -name`), also in the middle
    of a macro line (`.Op Fl \\-state Ar path`), and as `\\-\\-name` in running
    text and literal displays. Escaped hyphens are unescaped first; the name
    must then not run on into a longer one (--state is not --state-dir).
    """
    text = page_text.replace("\\-", "-")
    end = r"(?![A-Za-z0-9_-])"
    as_macro = re.compile(r"(?m)^[.'].*?(?<![A-Za-z])Fl\s+-" + re.escape(name) + end)
    as_text = re.compile(r"(?<![A-Za-z0-9_-])--" + re.escape(name) + end)
    return bool(as_macro.search(text) or as_text.search(text))


def check_program(program, page, results):
    try:
        proc = subprocess.run(
            [program, "--help"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        results.fail(f"{program} --help: {e}")
        return
    name = os.path.basename(program)
    if proc.returncode != 0:
        results.fail(f"{name} --help exited {proc.returncode}: {proc.stderr.strip()}")
        return
    options = long_options(proc.stdout)
    if not options:
        results.fail(f"{name} --help printed no long option at all:\n{proc.stdout}")
        return
    with open(page, encoding="utf-8", errors="replace") as f:
        text = f.read()
    missing = [o for o in options if not documented(text, o)]
    page_name = os.path.basename(page)
    if missing:
        results.fail(
            f"{page_name} does not document "
            + ", ".join("--" + o for o in missing)
            + f" (from {name} --help)"
        )
    else:
        results.ok(f"{page_name} documents all {len(options)} long options of {name} --help")


def main(argv):
    if len(argv) != 3:
        print("usage: man_check.py MAN_DIR BIN_DIR", file=sys.stderr)
        return 2
    man_dir, bin_dir = argv[1], argv[2]
    results = Results()

    if not os.path.isdir(man_dir):
        results.fail(f"{man_dir}: not a directory")
        pages = []
    else:
        pages = pages_in(man_dir)
        if not pages:
            results.fail(f"{man_dir}: no man pages")

    mandoc = shutil.which("mandoc")
    if mandoc is None:
        results.fail("mandoc not found on PATH (Debian: apt-get install mandoc)")
    else:
        for page in pages:
            lint(mandoc, page, results)

    if not os.path.isdir(bin_dir):
        results.fail(f"{bin_dir}: not a directory")
    else:
        built = 0
        for name in PROGRAMS:
            program = os.path.join(bin_dir, name)
            if not (os.path.isfile(program) and os.access(program, os.X_OK)):
                continue
            built += 1
            page = os.path.join(man_dir, name + ".1")
            if not os.path.isfile(page):
                results.fail(f"{name} is built in {bin_dir} but has no page {page}")
                continue
            check_program(program, page, results)
        if built == 0:
            results.fail(f"{bin_dir}: none of {', '.join(PROGRAMS)} is built there")

    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
