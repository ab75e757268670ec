"""The timeline of psys-fold's folded output, for tests: read(PATH)
returns (lines, samples): the stack lines as they are (count and newline
included), and each sample of the "# timeline-samples" lines as
(time in ns from the capture start, index of its stack line), in the
order written (docs/FORMAT.md)."""


def read(path):
    lines, samples = [], []
    for l in open(path, encoding="utf-8"):
        if l.startswith('# timeline-samples: "'):
            f = dict(x.split('=', 1) for x in l[21:-2].split(' '))
            t = int(f['t'])
            for item in f['s'].split(','):
                dt, ln = item.split(':')
                t += int(dt)
                samples.append((t, int(ln)))
        elif not l.startswith('#'):
            lines.append(l)
    return lines, samples
