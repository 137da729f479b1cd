#!/bin/sh
# Prints the path of a Python >= 3.12 interpreter (Django 6.1 needs it), or fails with a clear message.
# Order: $PYTHON if given, python3.13/python3.12/python3 on PATH, then pyenv's versions folder.
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }
if [ -n "${PYTHON:-}" ]; then
    if ok "$PYTHON"; then command -v "$PYTHON" || echo "$PYTHON"; exit 0; fi
    echo "PYTHON=$PYTHON is not a Python 3.12 or newer interpreter" >&2; exit 1
fi
for cand in python3.14 python3.13 python3.12 python3; do
    p=$(command -v "$cand" 2>/dev/null) && ok "$p" && { echo "$p"; exit 0; }
done
for p in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
    ok "$p" && { echo "$p"; exit 0; }
done
echo "No Python 3.12 or newer found (Django 6.1 needs one). Install one, or run: make PYTHON=/path/to/python3.12 ..." >&2
exit 1
