#!/usr/bin/env python3
"""same_rows.py A B [REL]: the rows of two dumps (one row a line, fields
separated by '|') agree: same number of rows and fields, text equal, and
numbers (fields both sides read as floats) equal to REL relative (1e-9 by
default; absolute 1e-9 near zero). Prints the first difference and exits 1,
or prints the number of rows compared."""
import sys


def as_float(s):
    try:
        return float(s)
    except ValueError:
        return None


def main():
    a = open(sys.argv[1], encoding="utf-8").read().splitlines()
    b = open(sys.argv[2], encoding="utf-8").read().splitlines()
    rel = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-9
    if len(a) != len(b):
        print(f"{len(a)} rows against {len(b)}")
        return 1
    for n, (ra, rb) in enumerate(zip(a, b), 1):
        fa, fb = ra.split("|"), rb.split("|")
        if len(fa) != len(fb):
            print(f"row {n}: {len(fa)} fields against {len(fb)}\n  {ra}\n  {rb}")
            return 1
        for k, (x, y) in enumerate(zip(fa, fb)):
            if x == y:
                continue
            vx, vy = as_float(x), as_float(y)
            if vx is not None and vy is not None and abs(vx - vy) <= max(rel * max(abs(vx), abs(vy)), 1e-9):
                continue
            print(f"row {n}, field {k + 1}: '{x}' against '{y}'")
            return 1
    print(len(a))
    return 0


sys.exit(main())
