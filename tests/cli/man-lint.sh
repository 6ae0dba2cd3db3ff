#!/bin/sh
# The man page is clean under `mandoc -Tlint` (skipped without mandoc).
# Lines about the local mandoc.db cross-reference database are about the
# machine, not the page, and are ignored.
command -v mandoc >/dev/null 2>&1 || { echo "mandoc not installed: skipped"; exit 77; }
out=$(mandoc -Tlint "${abs_top_srcdir:-.}/man/apotview.1" 2>&1 | grep -v 'mandoc.db' | grep -v 'Xr .* not found')
if [ -n "$out" ]; then
    echo "$out"
    exit 1
fi
exit 0
