#!/usr/bin/env python3
"""Regenerates the trait-impl tables included by src/shapes/rules.rs.

Run from the repository root: python3 scripts/gen_shape_tables.py
"""
import pathlib

out = pathlib.Path("src/shapes")
names = ["A", "B", "C", "D", "E", "F"]

with open(out / "broadcast_table.rs", "w") as f:
    f.write("// Every pair of ranks 0..=6: leading dims of the longer shape, then aligned pairs.\n")
    for a in range(7):
        for b in range(7):
            L = [f"L{i}" for i in range(a)]
            R = [f"R{i}" for i in range(b)]
            n = min(a, b)
            lead = L[:a - n] if a >= b else R[:b - n]
            pairs = list(zip(L[a - n:], R[b - n:]))
            f.write(f"broadcast!([{', '.join(L)}], [{', '.join(R)}], [{', '.join(lead)}], "
                    f"[{', '.join(f'({x}, {y})' for x, y in pairs)}]);\n")

with open(out / "assign_table.rs", "w") as f:
    f.write("// Every pair of ranks with the right operand's rank at most the left's: the right\n")
    f.write("// operand's dims align on the left's last ones (see `BroadcastInto`).\n")
    for a in range(7):
        for b in range(a + 1):
            T = [f"T{i}" for i in range(a)]
            R = [f"R{i}" for i in range(b)]
            pairs = list(zip(R, T[a - b:]))
            f.write(f"broadcast_into!([{', '.join(T)}], [{', '.join(R)}], "
                    f"[{', '.join(f'({x}, {y})' for x, y in pairs)}]);\n")

with open(out / "axis_table.rs", "w") as f:
    f.write("// Every (rank, axis) pair for HasAxis, every (rank, position) pair for InsertAxis.\n")
    for r in range(1, 7):
        ds = names[:r]
        for i in range(r):
            rem = ds[:i] + ds[i + 1:]
            rep = ds[:i] + ["X"] + ds[i + 1:]
            f.write(f"axis!({i}; [{', '.join(ds)}]; {ds[i]}; [{', '.join(rem)}]; [{', '.join(rep)}]);\n")
    for r in range(0, 6):
        ds = names[:r]
        for i in range(r + 1):
            ins = ds[:i] + ["X"] + ds[i:]
            f.write(f"insert_axis!({i}; [{', '.join(ds)}]; [{', '.join(ins)}]);\n")
