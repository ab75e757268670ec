"""The timeline of psys-fold's folded output, for tests, read apart from
lib/folded/timeline.c (docs/FORMAT.md): read(PATH) returns (lines,
samples): the stack lines as they are (count and newline included), and
each sample of the "# timeline-samples" lines as (time in ns from the
capture start, index of its stack line), or with cpus=True as (time, CPU,
line), in the order written. Versions 1 and 2 are read.

Run as `timeline_read.py --v1 FILE`, it prints FILE with its timeline in
version 1 (decimal steps, as earlier psys-fold wrote it), the rest as it is."""

import base64
import sys

SAMPLES = '# timeline-samples: "'


def fields(line, prefix):
    return dict(x.split('=', 1) for x in line[len(prefix):].rstrip('\n')[:-1].split(' '))


def varints(data):
    v = shift = 0
    for x in data:
        v |= (x & 0x7f) << shift
        if x & 0x80:
            shift += 7
        else:
            yield v
            v = shift = 0
    assert shift == 0, "a varint runs past the end"


def chunk(f, version):
    """The samples of one samples line's fields F: [(t, line)]."""
    t, out = int(f['t']), []
    if version == 1:
        for item in f['s'].split(','):
            dt, ln = item.split(':')
            t += int(dt)
            out.append((t, int(ln)))
        return out
    q, p, n = int(f['q']), int(f['p']), int(f['n'])
    it = varints(base64.b64decode(f['b'], validate=True))
    for _ in range(n):
        code = next(it)
        r = next(it) if code & 1 else 0
        zz = code >> 1
        t += ((zz >> 1) ^ -(zz & 1)) * q + p * q + r
        out.append((t, next(it)))
    assert next(it, None) is None, "bytes after the last sample"
    return out


def version_of(path):
    for l in open(path, encoding="utf-8"):
        if l.startswith('# timeline: "'):
            return int(fields(l, '# timeline: "')['version'])
    return None


def read(path, cpus=False):
    lines, samples = [], []
    version = version_of(path)
    for l in open(path, encoding="utf-8"):
        if l.startswith(SAMPLES):
            f = fields(l, SAMPLES)
            c = int(f['cpu'])
            samples += [(t, c, ln) if cpus else (t, ln) for t, ln in chunk(f, version)]
        elif not l.startswith('#'):
            lines.append(l)
    return lines, samples


def to_v1(path, out):
    version = version_of(path)
    for l in open(path, encoding="utf-8"):
        if l.startswith('# timeline: "'):
            l = l.replace('"version=%d ' % version, '"version=1 ', 1)
        elif l.startswith(SAMPLES):
            f = fields(l, SAMPLES)
            s = chunk(f, version)
            steps = ['%d:%d' % (t - (s[i - 1][0] if i else s[0][0]), ln)
                     for i, (t, ln) in enumerate(s)]
            l = '%scpu=%s t=%d s=%s"\n' % (SAMPLES, f['cpu'], s[0][0], ','.join(steps))
        out.write(l)


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] != '--v1':
        sys.exit('usage: timeline_read.py --v1 FILE')
    to_v1(sys.argv[2], sys.stdout)
