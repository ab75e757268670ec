#!/usr/bin/env python3
"""Compares the function names perf and psys give the same samples.

  names-compare.py COMM PERF_SCRIPT PSYS_FOLDED KALLSYMS

PERF_SCRIPT is `perf script -F comm,ip,sym,dso` output, PSYS_FOLDED is
`psys-fold --user --annotate` output. For the samples of process COMM,
each name's inclusive share (samples whose stack holds it) is computed
per tool. Every name holding at least 2% of one tool's samples must be
named by the other tool too, apart from these known differences:

  1. Kernel aliases: names at one address in KALLSYMS are one function
     (perf reading kallsyms keeps the last alias listed there; psys
     follows its documented preference, e.g. __x64_sys_getpid).
  2. PLT entries: perf 6.1 (Debian 12) names them "_init" (the zero-size
     _init stretched over .plt); psys names them "SYMBOL@plt" as objdump
     and later perf do.
  3. Frames neither can name: perf's "[unknown]", psys's "[FILE]" and
     "[unknown]".
Prints a side-by-side table; exits 1 on a difference outside the list.
"""
import re
import sys

comm, perf_path, psys_path, kallsyms_path = sys.argv[1:5]

addr = {}
with open(kallsyms_path) as f:
    for line in f:
        p = line.split()
        if len(p) == 3 and p[1] in 'tTwW':
            addr.setdefault(p[2], p[0])


def canon(name, kernel):
    if kernel:
        return 'k:' + addr.get(name, name)
    return 'u:' + name


def add(counts, shown, frames):
    seen = set()
    for name, kernel in frames:
        if name.startswith('['):
            continue                          # difference 3
        c = canon(name, kernel)
        if c in seen:
            continue
        seen.add(c)
        counts[c] = counts.get(c, 0) + 1
        shown.setdefault(c, set()).add(name)


perf, perf_names, nperf = {}, {}, 0
with open(perf_path, errors='replace') as f:
    blocks = f.read().split('\n\n')
for b in blocks:
    lines = [l for l in b.split('\n') if l.strip()]
    if not lines or lines[0].split()[0] != comm:
        continue
    frames = []
    for l in lines[1:]:
        m = re.match(r'\s*[0-9a-f]+ (.*) \((.*)\)$', l)
        if not m:
            continue
        sym, dso = m.group(1), m.group(2)
        sym = re.sub(r'\+0x[0-9a-f]+$', '', sym)
        kernel = dso.startswith('[') and dso not in ('[vdso]', '[unknown]')
        if not kernel and sym == '_init':
            sym = '[plt]'                     # difference 2
        frames.append((sym, kernel))
    nperf += 1
    add(perf, perf_names, frames)

psys, psys_names, npsys = {}, {}, 0
with open(psys_path, errors='replace') as f:
    for line in f:
        if line.startswith('#'):
            continue
        stack, _, count = line.rstrip('\n').rpartition(' ')
        parts = stack.split(';')
        if parts[0] != comm:
            continue
        frames = []
        for fr in parts[1:]:
            kernel = fr.endswith('_[k]')
            if kernel:
                fr = fr[:-4]
            fr = re.sub(r' \[[^]]*\]$', '', fr)   # "func [module]"
            if fr.endswith('@plt'):
                fr = '[plt]'                    # difference 2
            frames.append((fr, kernel))
        n = int(float(count))
        npsys += n
        tmp, tmp_names = {}, {}
        add(tmp, tmp_names, frames)
        for k, v in tmp.items():
            psys[k] = psys.get(k, 0) + v * n
            psys_names.setdefault(k, set()).update(tmp_names[k])

if not nperf or not npsys:
    print('no samples of %s: perf %d, psys %d' % (comm, nperf, npsys))
    sys.exit(1)

bad = []
for mine, other, total, who in ((perf, psys, nperf, 'perf'), (psys, perf, npsys, 'psys')):
    for k, v in mine.items():
        if v * 50 >= total and k not in other:
            bad.append('%s names %s (%.1f%%), the other tool does not' %
                       (who, '/'.join(sorted((perf_names if who == 'perf' else psys_names)[k])),
                        100.0 * v / total))

rows = sorted(set(perf) | set(psys), key=lambda k: -(perf.get(k, 0) / nperf + psys.get(k, 0) / npsys))
print('samples of %s: perf %d, psys %d' % (comm, nperf, npsys))
print('%-34s %7s   %-34s %7s' % ('perf', 'share', 'psys', 'share'))
for k in rows[:int(sys.argv[5]) if len(sys.argv) > 5 else 20]:
    pn = '/'.join(sorted(perf_names.get(k, ['-'])))
    sn = '/'.join(sorted(psys_names.get(k, ['-'])))
    print('%-34s %6.1f%%   %-34s %6.1f%%' % (pn[:34], 100.0 * perf.get(k, 0) / nperf,
                                            sn[:34], 100.0 * psys.get(k, 0) / npsys))
only_perf = [k for k in perf if k not in psys]
only_psys = [k for k in psys if k not in perf]
print('names: perf %d, psys %d, both %d; below 2%% only in perf %d, only in psys %d' %
      (len(perf), len(psys), len(set(perf) & set(psys)), len(only_perf), len(only_psys)))
for b in bad:
    print('DIFFERENCE: ' + b)
sys.exit(1 if bad else 0)
