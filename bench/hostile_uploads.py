"""Peak memory and time of parsing each hostile spreadsheet of tests/test_hostile_uploads.py and a
normal 10,000-row file, each in a fresh process, now and (baseline) by calamine alone as the
parser used to read them.

    .venv/bin/python bench/hostile_uploads.py [--no-baseline]

«worker» is the parsing process's own peak (VmHWM); «reader» the peak of the child that runs
calamine (ru_maxrss of children: an upper bound).  The baseline runs under a 4 GB address-space
limit, so a file that would take more ends there with SIGABRT instead of taking the machine.
"""
import argparse
import json
import os
import resource
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.test_hostile_uploads import HOSTILE, parse_in_fresh_process  # noqa: E402

_BASELINE = '''
import io, json, sys, time, python_calamine
data = sys.stdin.buffer.read()
started = time.perf_counter()
with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
    cells = sum(len(r) for r in book.get_sheet_by_index(0).to_python(skip_empty_area=False))
status = open('/proc/self/status').read()
print(json.dumps({'seconds': time.perf_counter() - started, 'cells': cells,
                  'mb': int(status.split('VmHWM:')[1].split()[0]) / 1024}))
'''


def baseline(data):
    def four_gigabytes():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    done = subprocess.run([sys.executable, '-c', _BASELINE], input=data, capture_output=True,
                          preexec_fn=four_gigabytes, timeout=300)
    if done.returncode:
        return f'died ({done.returncode})'
    result = json.loads(done.stdout)
    return f'{result["mb"]:6.0f} MB {result["seconds"]:6.2f} s'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--no-baseline', action='store_true')
    args = parser.parse_args()
    print(f'{"file":66} {"size":>8} {"worker":>7} {"reader":>7} {"time":>7}  answer'
          + ('' if args.no_baseline else '  | calamine alone (before)'))
    for case, (file_name, make, _) in HOSTILE.items():
        data = make()
        result = parse_in_fresh_process(file_name, data)
        answer = f'{result["rows"]} rows' if 'rows' in result else result['refused'][:48] + '…'
        line = (f'{case:66} {len(data) / 1024:6.1f}KB {result["worker_mb"]:4.0f} MB {result["reader_mb"]:4.0f} MB'
                f' {result["seconds"]:5.2f} s  {answer}')
        print(line + ('' if args.no_baseline else f'  | {baseline(data)}'), flush=True)


if __name__ == '__main__':
    main()
