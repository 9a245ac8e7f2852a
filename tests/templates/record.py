#!/usr/bin/env python3
"""Records the expected results of the template conformance cases by
running each case with Exscript itself (2.6) against the conformance
device, so that oxscript's tests compare against Exscript's behaviour
rather than against what oxscript happens to do.

Usage (see README.md):

    python3 -m venv /tmp/exscript && /tmp/exscript/bin/pip install exscript==2.6.32
    cargo run -p oxscript-template --example serve_conformance_device &
    /tmp/exscript/bin/python tests/templates/record.py PORT [CASE ...]

PORT is the Telnet port the example prints. Each case directory holds
`test.exscript` and optionally `variables.in` (NAME=VALUE lines, a name
given twice is a list) and `options` (words: `no-strip`, `paste`). The
script writes `expected.transcript` (what the device sent after login,
\\r\\n as \\n), and `expected.variables` (the variables at the end, one
`name = repr` line each) or `expected.error` (the exception's class).
A case with a file named `manual` is skipped: its expected files are
written by hand because oxscript deliberately differs there (the file
says why).
"""

import os
import re
import sys

from Exscript import Account
from Exscript.protocols import Telnet
from Exscript.util import template

SENTINEL = 'echo __end__'
HERE = os.path.dirname(os.path.abspath(__file__))
BUILTIN = ('__hostname__', '__username__', '__filename__')


def read(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, newline='') as fp:
        return fp.read()


def input_variables(text):
    variables = {}
    for line in (text or '').splitlines():
        if not line.strip():
            continue
        name, value = line.split('=', 1)
        variables.setdefault(name.strip(), []).append(value)
    return variables


def record(port, case):
    folder = os.path.join(HERE, case)
    source = read(os.path.join(folder, 'test.exscript'))
    options = (read(os.path.join(folder, 'options'), '') or '').split()
    variables = input_variables(read(os.path.join(folder, 'variables.in')))

    conn = Telnet()
    conn.connect('127.0.0.1', port)
    conn.login(Account('sab', 'x'))
    log = []
    conn.data_received_event.connect(log.append)
    result, error = None, None
    try:
        if 'paste' in options:
            result = template.paste(conn, source, **variables)
        else:
            result = template.eval(conn, source, 'no-strip' not in options, **variables)
    except Exception as e:  # the class is what the case expects
        error = type(e).__name__
    # The device answers in order: once the sentinel's output is here,
    # everything before it is too.
    conn.send(SENTINEL + '\r')
    conn.expect(re.compile(r'\n__end__\r?\n'))
    conn.close(True)

    transcript = ''.join(log).replace('\r\n', '\n')
    transcript = transcript[:transcript.rfind(SENTINEL)]
    with open(os.path.join(folder, 'expected.transcript'), 'w', newline='') as fp:
        fp.write(transcript)
    for name in ('expected.variables', 'expected.error'):
        if os.path.exists(os.path.join(folder, name)):
            os.remove(os.path.join(folder, name))
    if error is not None:
        with open(os.path.join(folder, 'expected.error'), 'w') as fp:
            fp.write(error + '\n')
        return
    lines = []
    for name in sorted(result):
        value = result[name]
        if name in BUILTIN or callable(value) or name == '__connection__':
            continue
        lines.append('%s = %r\n' % (name, value))
    with open(os.path.join(folder, 'expected.variables'), 'w', newline='') as fp:
        fp.write(''.join(lines))


def main():
    port = int(sys.argv[1])
    cases = sys.argv[2:] or sorted(
        d for d in os.listdir(HERE) if os.path.exists(os.path.join(HERE, d, 'test.exscript')))
    for case in cases:
        if os.path.exists(os.path.join(HERE, case, 'manual')):
            print('%s: written by hand, skipped' % case)
            continue
        record(port, case)
        print('%s: recorded' % case)


if __name__ == '__main__':
    main()
