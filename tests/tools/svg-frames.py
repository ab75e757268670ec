#!/usr/bin/env python3
"""svg-frames.py SVG: the frames psys-svg drew, one per line, sorted, as
the time view tests' browser probes list them:
DEPTH|DATA-X|DATA-N|FILL|TOOLTIP (the tooltip's entities decoded)."""
import html
import re
import sys

s = open(sys.argv[1], encoding="utf-8").read()
y0 = float(re.search(r'data-y0="([0-9.]+)"', s).group(1))
fh = float(re.search(r'data-fh="([0-9.]+)"', s).group(1))
out = []
for g in re.finditer(r'<g data-x="(\d+)" data-n="(\d+)"><title>(.*?)</title><rect x="[^"]*" '
                     r'y="([0-9.]+)" width="[^"]*" height="[^"]*" fill="([^"]*)"', s):
    out.append('%d|%s|%s|%s|%s' % (round((float(g.group(4)) - y0) / -fh), g.group(1), g.group(2),
                                   g.group(5), html.unescape(g.group(3))))
print('\n'.join(sorted(out)))
