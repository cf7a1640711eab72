#!/usr/bin/env python3
"""Compares two raw float32 files: prints count, max |a-b|, mean |a-b|, max |b|. Exit 1 when the
sizes differ or max |a-b| exceeds TOL (when given). No numpy needed.
   compare_f32.py A.f32 B.f32 [TOL]"""
import array, sys
a, b = array.array('f'), array.array('f')
a.frombytes(open(sys.argv[1], 'rb').read())
b.frombytes(open(sys.argv[2], 'rb').read())
if len(a) != len(b):
    print(f"sizes differ: {len(a)} vs {len(b)} values"); sys.exit(1)
d = [abs(x - y) for x, y in zip(a, b)]
mx = max(d) if d else 0.0
print(f"n={len(a)} max_abs_diff={mx:.3g} mean_abs_diff={sum(d) / max(1, len(d)):.3g} max_abs_ref={max((abs(y) for y in b), default=0):.3g}")
if len(sys.argv) > 3 and mx > float(sys.argv[3]):
    sys.exit(1)
