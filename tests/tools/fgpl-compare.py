#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""fgpl-compare.py FLAMEGRAPH_DIR PSYS_SVG SCRATCH [FILTER]: draws every
folded file of FlameGraph's own test suite (test/results/*.txt) with
flamegraph.pl (run with perl, as an oracle) and with psys-svg, under each
option set below, and compares every frame: name, count, x, width and
depth (0.5 px), and its colour where flamegraph.pl's is deterministic.

A graph is "identical", or differs in a way psys-svg(1) documents, which
this script recognises from the input and names:
  split   flamegraph.pl draws a frame in two boxes, because a sibling
          whose name extends it ("f.isra.0" beside "f") sorts between
          its own line and its children's; psys-svg draws one box. The
          frames' names, depths and widths, summed per name and depth,
          must still agree.
  kinds   where some frames are annotated _[k], psys-svg's default
          palette paints frames by their kind (kernel orange, user red,
          _[j] green, _[i] aqua); flamegraph.pl's hot palette ignores
          the annotations. Everything but the colours must agree.
Anything else is a failure, printed with the first frame that differs.
Prints one line per option set, and "measure:" lines with the table."""
import html
import os
import re
import subprocess
import sys

TOL = 0.5

FG_FRAME = re.compile(r'<g[^>]*>\n<title>(.*?)</title><rect x="([-0-9.]+)" y="([-0-9.]+)" '
                      r'width="([-0-9.]+)" height="[^"]*" fill="rgb\((\d+),(\d+),(\d+)\)"')
PS_FRAME = re.compile(r'<[ga] data-x="([^"]*)" data-n="([^"]*)"[^>]*><title>(.*?)</title>'
                      r'<rect x="([-0-9.]+)" y="([-0-9.]+)" width="([-0-9.]+)" height="[^"]*" '
                      r'fill="#([0-9a-f]{6})"')
NAME = re.compile(r'^(.*) \(([0-9,]+) ')
STOPS = re.compile(r'<stop [^>]*?stop-color="([^"]*)"')


class Frame:
    __slots__ = ('name', 'count', 'text', 'x', 'w', 'y', 'depth', 'rgb')

    def __str__(self):
        return '%r depth %d x %.1f w %.1f count %s rgb%s' % (
            self.name, self.depth, self.x, self.w, self.count, self.rgb)


def depths(frames):
    root = [f for f in frames if f.name == 'all' and abs(f.x - 10) < 0.01]
    if not root:
        raise ValueError('no root frame')
    y0 = max(root, key=lambda f: f.w).y
    fh = None
    for f in frames:
        d = abs(f.y - y0)
        if d > 0.5 and (fh is None or d < fh):
            fh = d
    for f in frames:
        f.depth = round(abs(f.y - y0) / fh) if fh else 0
    return frames


def fg_frames(svg):
    out = []
    for m in FG_FRAME.finditer(svg):
        f = Frame()
        t = html.unescape(m.group(1))
        n = NAME.match(t)
        f.name, f.count = n.group(1), int(n.group(2).replace(',', ''))
        f.text = n.group(2).replace(',', '')
        # Control bytes: psys-svg shows U+FFFD (XML cannot hold them).
        f.name = re.sub(r'[\x00-\x08\x0b\x0c\x0e-\x1f]', '\ufffd', f.name)
        f.x, f.y, f.w = float(m.group(2)), float(m.group(3)), float(m.group(4))
        f.rgb = tuple(int(m.group(i)) for i in (5, 6, 7))
        out.append(f)
    return depths(out)


def ps_frames(svg):
    out = []
    for m in PS_FRAME.finditer(svg):
        f = Frame()
        t = html.unescape(m.group(3))
        f.name = t[:t.rindex(' (')]
        f.text = t[t.rindex(' (') + 2:].split(' ')[0].replace(',', '')
        f.count = int('%.0f' % float(m.group(2)))
        f.x, f.y, f.w = float(m.group(4)), float(m.group(5)), float(m.group(6))
        c = m.group(7)
        f.rgb = (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16))
        out.append(f)
    return depths(out)


def by_place(frames):
    return sorted(frames, key=lambda f: (f.depth, f.x, -f.w))


def compare_exact(fg, ps, colours, notes=None):
    """None, or the first difference. A tooltip count with decimals where
    flamegraph.pl rounds it adds 'fractional' to NOTES."""
    a, b = by_place(fg), by_place(ps)
    for i in range(max(len(a), len(b))):
        if i >= len(a):
            return 'psys-svg has more frames: %s' % b[i]
        if i >= len(b):
            return 'flamegraph.pl has more frames: %s' % a[i]
        f, g = a[i], b[i]
        if (f.name != g.name or f.depth != g.depth or abs(f.x - g.x) > TOL or
                abs(f.w - g.w) > TOL or f.count != g.count):
            return 'flamegraph.pl %s, psys-svg %s' % (f, g)
        if colours and f.rgb != g.rgb:
            return 'colour: flamegraph.pl %s, psys-svg %s' % (f, g)
        if f.text != g.text:
            if '.' not in g.text or notes is None:
                return 'tooltip count: flamegraph.pl %s, psys-svg %s' % (f.text, g.text)
            notes.add('fractional')
    return None


def compare_sums(fg, ps):
    """The split difference: the same widths and counts per depth and name."""
    def sums(frames):
        s = {}
        for f in frames:
            k = (f.depth, f.name)
            w, c, n = s.get(k, (0.0, 0, 0))
            s[k] = (w + f.w, c + f.count, n + 1)
        return s
    a, b = sums(fg), sums(ps)
    for k in sorted(set(a) | set(b)):
        if k not in a or k not in b:
            return 'frame %r at depth %d only in %s' % (k[1], k[0], 'psys-svg' if k in b else
                                                        'flamegraph.pl')
        (wa, ca, na), (wb, cb, nb) = a[k], b[k]
        if abs(wa - wb) > TOL * na or abs(ca - cb) > na:
            return 'frame %r at depth %d: width %.1f count %d in flamegraph.pl, %.1f %d in psys-svg' % (
                k[1], k[0], wa, ca, wb, cb)
    return None


def stacks(path, reverse):
    """The stacks with their counts (the last count of the line), as
    flamegraph.pl reads them."""
    out = []
    for line in open(path, encoding='utf-8', errors='replace'):
        m = re.match(r'^(.*?)\s+(\d+(?:\.\d*)?)(?:\s+(\d+(?:\.\d*)?))?$', line.rstrip('\n'))
        if not m:
            continue
        fr = m.group(1).split(';')
        out.append((fr[::-1] if reverse else fr, float(m.group(3) or m.group(2))))
    return out


def splits(path, reverse):
    """Whether some frame has its own time and children and a sibling
    whose name is its name and more, the next byte between ' ' and ';'."""
    selfs, kids, names = set(), set(), {}
    for fr, n in stacks(path, reverse):
        if n <= 0:
            continue
        for d in range(len(fr)):
            p = tuple(fr[:d])
            names.setdefault(p, set()).add(fr[d])
        selfs.add(tuple(fr))
        for d in range(1, len(fr)):
            kids.add(tuple(fr[:d]))
    for p, sib in names.items():
        for s in sib:
            if p + (s,) in selfs and p + (s,) in kids:
                for t in sib:
                    if len(t) > len(s) and t.startswith(s) and ' ' < t[len(s)] < ';':
                        return True
    return False


# name, flamegraph.pl's options, psys-svg's, colours compared, input kind
SETS = [
    ('default', [], [], True, 'plain'),
    ('inverted', ['--inverted'], ['--inverted'], True, 'plain'),
    ('reverse', ['--reverse'], ['--reverse'], True, 'plain'),
    ('flamechart', ['--flamechart'], ['--flamechart'], True, 'plain'),
    ('minwidth', ['--minwidth', '4'], ['--minwidth', '4'], True, 'plain'),
    ('minwidth%', ['--minwidth', '0.5%'], ['--minwidth', '0.5%'], True, 'plain'),
    ('width', ['--width', '640'], ['--width', '640'], True, 'plain'),
    ('hash', ['--hash'], ['--hash'], True, 'plain'),
    ('java', ['--colors', 'java', '--hash'], ['--colors', 'java', '--hash'], True, 'plain'),
    ('js', ['--colors', 'js', '--hash'], ['--colors', 'js', '--hash'], True, 'plain'),
    ('mem', ['--colors', 'mem', '--hash'], ['--colors', 'mem', '--hash'], True, 'plain'),
    ('differential', [], [], True, 'diff'),
]


# Inputs of our own for what FlameGraph's suite lacks: name, text,
# options (both tools), the documented difference expected (None: none).
EXTRAS = [
    ('own time first', 'a;b 2\na;b;c 3\na;d 5\ne 1\na 4\n', [], None),
    ('prefix siblings', 'P;X;a 2\nP;X.isra.0 3\nP;X.cold;q 1\nP;X.constprop.0;c 1\n'
     'P;X_y 1\nQ;f 2\nQ;f.cold;z 1\n', [], None),
    ('split frame', 'X 1\nX;a 2\nX.isra.0;b 3\nX.cold 1\n', [], 'split'),
    ('chart, parent alone', 'a;b 10\na 10\na;b 10\nc 5\na;b 1\n', ['--flamechart'], None),
    ('chart reversed', 'b;a 10\na 10\nb;a 10\n', ['--flamechart', '--reverse'], None),
    ('greys', 'a;-;b 3\nc;--;d 2\n-;x 1\n--;y 1\n', [], None),
    ('greys, differential', 'a;-;b 3 5\nc;--;d 2 1\n-;x 1 1\n', [], None),
    ('module prefix', 'vmlinux`do_sys 3\nlibc.so.6`read 2\n`odd 1\nx`y`z 1\nab` 1\n'
     'caf\u00e9;na\u00efve`\u00fc 2\n', ['--hash'], None),
    ('java', 'java;Foo::bar 2\njava;Ljava/lang/Thread;.run 1\njava;com/x/Y:::z 1\n'
     'java;sys_read_[k] 1\njava;jit_[j] 1\njava;inl_[i] 1\njava;org/a/B.c 1\n',
     ['--colors', 'java', '--hash'], None),
    ('java, own shades', 'java;Foo::bar 2\njava;Ljava/lang/Thread;.run 1\njava;x_[k] 1\n',
     ['--colors', 'java'], None),
    ('fractional counts', 'a;b 31.23\na 10.5\nc 2.27\n', [], 'fractional'),
    ('counts past 2^53', 'a 288230376151711744\nb;c 144115188075855872\n', [], None),
    ('escaping', 'a;<script>&amp;"x" 2\nb;it\'s 1\n', [], None),
    ('control bytes', 'a;b\x01c 2\nd 1\n', [], None),
    ('comment lines', '# samples: 1200\na;b 60\nc 40\n', [], 'comment'),
]


def make_diff(src, dst):
    """A differential input from SRC: 'STACK BEFORE AFTER', the BEFORE
    counts moved about by a rule of the line's number, and every ninth
    line left with one count (flamegraph.pl draws those too)."""
    with open(src, encoding='utf-8', errors='surrogateescape') as f, \
            open(dst, 'w', encoding='utf-8', errors='surrogateescape') as o:
        for i, line in enumerate(f):
            m = re.match(r'^(.*)\s(\d+)$', line.rstrip('\n'))
            if not m:
                continue
            n = int(m.group(2))
            if i % 9 == 4:
                o.write('%s %d\n' % (m.group(1), n))
                continue
            before = n * (i % 5) // 2 + (i % 3)
            o.write('%s %d %d\n' % (m.group(1), before, n))


def main():
    fgdir, psys, scratch = sys.argv[1:4]
    only = sys.argv[4] if len(sys.argv) > 4 else ''
    fgpl = os.path.join(fgdir, 'flamegraph.pl')
    inputs = sorted(os.path.join(fgdir, 'test', 'results', f)
                    for f in os.listdir(os.path.join(fgdir, 'test', 'results'))
                    if f.endswith('.txt'))
    table = []
    failures = 0
    extra_ok, extra_known = 0, {}
    for i, (what, text, opts, want) in enumerate(EXTRAS):
        if only and only not in 'extras':
            break
        src = os.path.join(scratch, 'extra%d.txt' % i)
        with open(src, 'w', encoding='utf-8') as f:
            f.write(text)
        fgsrc = src
        if want == 'comment':
            # psys-svg draws no '# ' lines: flamegraph.pl draws the
            # input without them alike.
            fgsrc = src + '.nocomment'
            with open(fgsrc, 'w', encoding='utf-8') as f:
                f.write(''.join(l for l in text.splitlines(True) if not l.startswith('# ')))
        fg = subprocess.run(['perl', fgpl] + opts + [fgsrc], capture_output=True,
                            text=True, errors='surrogateescape').stdout
        ps = subprocess.run([psys] + opts + [src], capture_output=True, text=True,
                            errors='surrogateescape').stdout
        notes = set()
        a, b = fg_frames(fg), ps_frames(ps)
        diff = compare_exact(a, b, True, notes)
        got = 'fractional' if notes else None
        if diff and want == 'split':
            diff, got = compare_sums(a, b), 'split'
        if want == 'comment' and diff is None:
            got = 'comment'
        if diff or got != want:
            print('FAIL extras: %s: %s' % (what, diff or 'want %s, got %s' % (want, got)))
            failures += 1
        elif got:
            extra_known[got] = extra_known.get(got, 0) + 1
        else:
            extra_ok += 1
    if not only or only in 'extras':
        table.append(('extras', len(EXTRAS), extra_ok, extra_known, failures))
        print('%-13s %d inputs: %d identical, %s, %d failed' % (
            'extras', len(EXTRAS), extra_ok,
            ', '.join('%d %s' % (v, k) for k, v in sorted(extra_known.items())), failures),
            flush=True)
    for name, fgopts, psopts, colours, kind in SETS:
        if only and only not in name:
            continue
        ident, known, bad = 0, {}, []
        for path in inputs:
            src = path
            if kind == 'diff':
                src = os.path.join(scratch, 'diff.txt')
                make_diff(path, src)
            fg = subprocess.run(['perl', fgpl] + fgopts + [src], capture_output=True,
                                text=True, errors='surrogateescape').stdout
            ps = subprocess.run([psys] + psopts + [src], capture_output=True, text=True,
                                errors='surrogateescape')
            if ps.returncode != 0:
                bad.append('%s: psys-svg failed: %s' % (os.path.basename(path), ps.stderr.strip()))
                continue
            a, b = fg_frames(fg), ps_frames(ps.stdout)
            if STOPS.findall(fg) != STOPS.findall(ps.stdout):
                bad.append('%s: background %s, flamegraph.pl %s' % (
                    os.path.basename(path), STOPS.findall(ps.stdout), STOPS.findall(fg)))
                continue
            # The default palette paints frames by their kind when some
            # are annotated _[k]: colours aside.
            kinds = '--colors' not in psopts and any(
                x.endswith('_[k]') for fr, _ in stacks(src, False) for x in fr)
            diff = compare_exact(a, b, colours and not kinds)
            why = None
            if diff is None:
                why = 'kinds' if kinds and colours else None
                if why is None:
                    ident += 1
                    continue
            elif splits(src, '--reverse' in fgopts) and '--flamechart' not in fgopts:
                why = 'split'
                d2 = compare_sums(a, b)
                if d2:
                    bad.append('%s: %s (split frames aside)' % (os.path.basename(path), d2))
                    continue
            else:
                bad.append('%s: %s' % (os.path.basename(path), diff))
                continue
            known[why] = known.get(why, 0) + 1
        for b in bad:
            print('FAIL %s: %s' % (name, b))
        failures += len(bad)
        table.append((name, len(inputs), ident, known, len(bad)))
        print('%-13s %d inputs: %d identical, %s, %d failed' % (
            name, len(inputs), ident, ', '.join('%d %s' % (v, k) for k, v in sorted(known.items()))
            or 'no documented difference', len(bad)), flush=True)
    runs = sum(t[1] for t in table)
    same = sum(t[2] for t in table)
    doc = {}
    for t in table:
        for k, v in t[3].items():
            doc[k] = doc.get(k, 0) + v
    print('measure: flamegraph.pl suite, all option sets: %d graphs x %d identical / %s '
          'documented difference%s' % (runs, same, ' + '.join('%d %s' % (v, k) for k, v in
                                                               sorted(doc.items())) or '0',
                                       ' / %d FAILED' % failures if failures else ''))
    for name, n, ident, known, nbad in table:
        print('measure: flamegraph.pl suite %-13s %d inputs x %d identical / %s%s' % (
            name, n, ident, ' + '.join('%d %s' % (v, k) for k, v in sorted(known.items())) or '0',
            ' / %d FAILED' % nbad if nbad else ''))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
