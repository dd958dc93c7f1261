#!/usr/bin/env bash
# House rules that a compiler does not check: clang-format, and functions the style bans.
set -euo pipefail
cd "$1"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -path './build*' -prune -o -name '*.[ch]' -print)
status=0
if ! clang-format --dry-run --Werror $files; then
    echo "lint: run clang-format -i on the files above" >&2
    status=1
fi
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|sscanf|gets)\s*\(' $files; then
    echo "lint: banned function (STYLE.md: use snprintf, strtol, buf_*)" >&2
    status=1
fi
if grep -nE '(^|[^x])\b(malloc|calloc|realloc)\s*\(' $(echo "$files" | grep -v xmalloc.c); then
    echo "lint: use the xmalloc family" >&2
    status=1
fi
# No include cycle between modules (a module is a file name without extension); cycles inside the
# directories named in tests/include_cycles.allow are reported but tolerated for now.
if ! python3 tests/include_cycles.py . tests/include_cycles.allow; then
    echo "lint: break the include cycle above (lower layers take hooks, never include upward)" >&2
    status=1
fi
# No source file over 1,200 lines: split a module along its seams before it gets there.
if big=$(wc -l $(echo "$files" | tr ' ' '\n' | grep -E '^(common|discovery|sync|node|cli|web)/') |
    awk '$2 != "total" && $1 > 1200'); [ -n "$big" ]; then
    echo "$big" >&2
    echo "lint: the files above are over 1,200 lines" >&2
    status=1
fi
# No function over 120 lines (the two linear wire decoders excepted).
if ! python3 tests/function_length.py . 120; then
    echo "lint: split the function above along its steps" >&2
    status=1
fi
[ $status -eq 0 ] && echo "lint: ok ($(echo "$files" | wc -w) files)"
exit $status
