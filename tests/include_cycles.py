#!/usr/bin/env python3
"""Include cycles between modules (issue 11, "Done when").

A module is a file name without its extension (node/node.c and node/node.h are module "node");
a file of module m that has #include "x.h" makes m depend on module x. Any strongly connected
set of two or more modules is a cycle. Cycles whose modules all lie in a directory named in the
allow-list file (one directory per line, # comments) are reported but tolerated; any other cycle
fails. Usage: include_cycles.py SOURCE_DIR [ALLOW_FILE]. Exit 0 if no failing cycle, else 1.
"""
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def source_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "*.c", "*.h"], check=True,
                             capture_output=True, text=True).stdout.split()
        if out:
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    found = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith("build") and not x.startswith(".")]
        found += [os.path.relpath(os.path.join(d, f), root) for f in files
                  if f.endswith((".c", ".h"))]
    return found


def graph(root):
    home, deps = {}, {}
    for path in source_files(root):
        mod = os.path.splitext(os.path.basename(path))[0]
        home.setdefault(mod, os.path.dirname(path) or ".")
        deps.setdefault(mod, set())
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            for line in f:
                m = INCLUDE.match(line)
                if m:
                    dep = os.path.splitext(os.path.basename(m.group(1)))[0]
                    if dep != mod:
                        deps[mod].add(dep)
    for mod in deps:
        deps[mod] &= set(deps)  # headers outside the tree are no modules of ours
    return home, deps


def cycles(deps):
    """Strongly connected components of two or more modules (Tarjan, iterative)."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], 0
    for start in sorted(deps):
        if start in index:
            continue
        work = [(start, iter(sorted(deps[start])))]
        index[start] = low[start] = n
        n += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp.append(x)
                        if x == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
            elif w not in index:
                index[w] = low[w] = n
                n += 1
                stack.append(w)
                on.add(w)
                work.append((w, iter(sorted(deps[w]))))
            elif w in on:
                low[v] = min(low[v], index[w])
    return sorted(out)


def path_in(comp, deps):
    """One closed path through the component, to show where the cycle runs."""
    members, start = set(comp), comp[0]
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(deps[v] & members):
            if w == start:
                walk = [v]
                while prev[walk[-1]] is not None:
                    walk.append(prev[walk[-1]])
                return list(reversed(walk)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    allow = set()
    if len(sys.argv) > 2 and os.path.exists(sys.argv[2]):
        with open(sys.argv[2]) as f:
            allow = {l.split("#")[0].strip().strip("/") for l in f} - {""}
    home, deps = graph(root)
    status = 0
    for comp in cycles(deps):
        dirs = sorted({home[m] for m in comp})
        names = " -> ".join("%s/%s" % (home[m], m) for m in path_in(comp, deps))
        if all(d in allow for d in dirs):
            print("include cycle (allowed for now in %s): %s" % (", ".join(dirs), names))
        else:
            print("include cycle: %s" % names)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
