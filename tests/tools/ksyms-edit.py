#!/usr/bin/env python3
"""Rewrites a kallsyms copy for psys-fold's symbol tests.

  ksyms-edit.py shift OFFSET IN OUT       core-kernel addresses + OFFSET (hex),
                                          module lines unchanged: a KASLR move
  ksyms-edit.py scramble N NAMES IN OUT   as shift by 0x200000, but the named
                                          symbols (comma-separated) move by
                                          0x200000 + N pages: another build
  ksyms-edit.py elf IN OUT                a minimal ELF64 "vmlinux" holding
                                          the core-kernel symbols of IN
"""
import struct
import sys


def lines(path):
    with open(path, 'rb') as f:
        for raw in f:
            raw = raw.rstrip(b'\n')
            parts = raw.split(b' ', 2)
            if len(parts) < 3:
                continue
            yield int(parts[0], 16), parts[1], parts[2], raw


def shift(inp, out, off, extra=None):
    with open(out, 'wb') as o:
        for addr, typ, rest, raw in lines(inp):
            if b'\t[' in rest:
                o.write(raw + b'\n')
                continue
            d = off + (extra.get(rest, 0) if extra else 0)
            o.write(b'%016x %s %s\n' % ((addr + d) & (2**64 - 1), typ, rest))


def elf(inp, out):
    syms = [(a, t, n) for a, t, n, raw in lines(inp) if b'\t[' not in n and a]
    text = [a for a, t, n in syms if t in b'tTwW']
    lo, hi = min(text), max(text) + 1
    strtab = bytearray(b'\0')
    symtab = bytearray(24)          # the null symbol
    local, glob = bytearray(), bytearray()
    for a, t, n in syms:
        name_off = len(strtab)
        strtab += n + b'\0'
        code = t in b'tTwW'
        stype = (0 if n in (b'_stext', b'_etext', b'_text') else 2) if code else 1
        bind = 2 if t in b'wWvV' else (0 if t.islower() else 1)
        shndx = 1 if code and lo <= a < hi else 2
        ent = struct.pack('<IBBHQQ', name_off, bind << 4 | stype, 0, shndx, a, 0)
        (local if bind == 0 else glob).extend(ent)
    nlocal = 1 + len(local) // 24
    symtab += local + glob
    shstr = b'\0.text\0.data\0.symtab\0.strtab\0.shstrtab\0'
    # Layout: ELF header, symtab, strtab, shstrtab, section headers.
    off_sym = 64
    off_str = off_sym + len(symtab)
    off_shs = off_str + len(strtab)
    off_sh = (off_shs + len(shstr) + 7) & ~7
    sh = [bytes(64)]
    sh.append(struct.pack('<IIQQQQIIQQ', 1, 8, 6, lo, off_sym, hi - lo, 0, 0, 16, 0))
    sh.append(struct.pack('<IIQQQQIIQQ', 7, 8, 3, 0, off_sym, 0, 0, 0, 8, 0))
    sh.append(struct.pack('<IIQQQQIIQQ', 13, 2, 0, 0, off_sym, len(symtab), 4,
                          nlocal, 8, 24))
    sh.append(struct.pack('<IIQQQQIIQQ', 21, 3, 0, 0, off_str, len(strtab), 0, 0, 1, 0))
    sh.append(struct.pack('<IIQQQQIIQQ', 29, 3, 0, 0, off_shs, len(shstr), 0, 0, 1, 0))
    ident = b'\x7fELF' + bytes([2, 1, 1, 0]) + bytes(8)
    hdr = ident + struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, 0, 0, off_sh, 0, 64, 0,
                              0, 64, len(sh), 5)
    with open(out, 'wb') as o:
        o.write(hdr + symtab + strtab + shstr)
        o.write(bytes(off_sh - off_shs - len(shstr)))
        o.write(b''.join(sh))


if sys.argv[1] == 'shift':
    shift(sys.argv[3], sys.argv[4], int(sys.argv[2], 16))
elif sys.argv[1] == 'scramble':
    extra = {n.encode(): 4096 * int(sys.argv[2]) for n in sys.argv[3].split(',')}
    shift(sys.argv[4], sys.argv[5], 0x200000, extra)
elif sys.argv[1] == 'elf':
    elf(sys.argv[2], sys.argv[3])
else:
    sys.exit(__doc__)
