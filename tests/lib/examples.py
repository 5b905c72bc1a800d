#!/usr/bin/env python3
"""examples.py FILE...: print the example commands of manual pages and
README files, one block a record, for tests/06-examples.bats.

A manual page's examples are the .Bd -literal ... .Ed blocks and the
runs of .Dl lines under .Sh EXAMPLES, unescaped (\\e, \\&, \\-) and
without a leading "$ " prompt.  A Markdown file's are its ```sh blocks.
Each block is printed as "FILE:N" on a line, its text, and a NUL byte.
"""
import os
import re
import sys


def unescape(line):
    line = line.replace('\\e', '\\').replace('\\&', '').replace('\\-', '-')
    line = line.replace('\\(aq', "'").replace('\\(dq', '"')
    return re.sub(r'^\$ ', '', line)


def man_blocks(text):
    blocks, cur, lit, inex = [], None, False, False
    for line in text.splitlines():
        if line.startswith('.Sh '):
            inex = line.strip() == '.Sh EXAMPLES'
            continue
        if not inex:
            continue
        if lit:
            if line.startswith('.Ed'):
                blocks.append(cur)
                cur, lit = None, False
            else:
                cur.append(unescape(line))
        elif line.startswith('.Bd -literal'):
            cur, lit = [], True
        elif line.startswith('.Dl '):
            if blocks and isinstance(blocks[-1], tuple):
                blocks[-1][1].append(unescape(line[4:]))
            else:
                blocks.append(('dl', [unescape(line[4:])]))
        elif blocks and isinstance(blocks[-1], tuple):
            blocks[-1] = blocks[-1][1]  # a run of .Dl lines ends
    return [b[1] if isinstance(b, tuple) else b for b in blocks]


def md_blocks(text):
    blocks, cur = [], None
    for line in text.splitlines():
        if cur is None:
            if line.strip() == '```sh':
                cur = []
        elif line.strip() == '```':
            blocks.append(cur)
            cur = None
        else:
            cur.append(line)
    return blocks


for path in sys.argv[1:]:
    with open(path, encoding='utf-8') as f:
        text = f.read()
    blocks = md_blocks(text) if path.endswith('.md') else man_blocks(text)
    for i, b in enumerate(blocks, 1):
        sys.stdout.write('%s:%d\n%s\n\0' % (os.path.basename(path), i,
                                            '\n'.join(b)))
