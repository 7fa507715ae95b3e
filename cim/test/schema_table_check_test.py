#!/usr/bin/env python3
# tools/gen-schema-table --check names every file of the schema table that is stale, missing,
# or present without being one of the table's (decision 0131), and writing puts the directory
# back: run on a copy of cim/src's schema_table* files. Exit 77 (skipped) where the generator
# cannot check (no reference schema, no clang-format-14), 1 on a failure.
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GEN = os.path.join(ROOT, "tools", "gen-schema-table")
SRC = os.path.join(ROOT, "cim", "src")
SKIPPED = 77
failures = []


def run(directory, *flags):
    r = subprocess.run([sys.executable, GEN, *flags, "--src", directory], capture_output=True,
                       text=True, cwd=ROOT)
    return r.returncode, r.stderr + r.stdout


def expect(what, got, rc, *needles):
    code, text = got
    if code != rc or any(n not in text for n in needles):
        failures.append("%s: exit %d (want %d), output:\n%s" % (what, code, rc, text))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        names = sorted(n for n in os.listdir(SRC) if n.startswith("schema_table"))
        for n in names:
            shutil.copy(os.path.join(SRC, n), tmp)
        code, text = run(tmp, "--check")
        if code == SKIPPED:
            sys.stderr.write(text)
            return SKIPPED
        expect("the committed files", (code, text), 0)
        data = [n for n in names if n.endswith(".cpp") and n != "schema_table.cpp"]
        if len(data) < 2:
            failures.append("the table is in %d data files, not split" % len(data))
        edited, deleted = data[0], data[-1]
        with open(os.path.join(tmp, edited), "a", encoding="utf-8") as f:
            f.write("// edited\n")
        expect("an edited file", run(tmp, "--check"), 1, edited + " is stale")
        os.remove(os.path.join(tmp, deleted))
        expect("a deleted file", run(tmp, "--check"), 1, deleted + " is missing",
               edited + " is stale")
        stray = "schema_table_msvm_from_an_older_split.cpp"
        with open(os.path.join(tmp, stray), "w", encoding="utf-8") as f:
            f.write("// left over\n")
        expect("an extra file", run(tmp, "--check"), 1, stray + " is not one of the table's")
        expect("writing", run(tmp), 0, "removed " + os.path.join(tmp, stray),
               "wrote " + os.path.join(tmp, deleted), "wrote " + os.path.join(tmp, edited))
        expect("after writing", run(tmp, "--check"), 0)
        if sorted(os.listdir(tmp)) != names:
            failures.append("after writing the files are %s" % sorted(os.listdir(tmp)))
        for n in names:
            try:
                with open(os.path.join(SRC, n), encoding="utf-8") as a, \
                        open(os.path.join(tmp, n), encoding="utf-8") as b:
                    same = a.read() == b.read()
            except OSError:
                same = False
            if not same:
                failures.append("%s written is not the committed one" % n)
        code, text = run(tmp)
        if code != 0 or text.strip():
            failures.append("writing unchanged files: exit %d, output: %s" % (code, text))
    for f in failures:
        sys.stderr.write("schema_table_check_test: %s\n" % f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
