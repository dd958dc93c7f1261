#ifndef LORE_VERSION_H
#define LORE_VERSION_H

/*
 * version: what `lored --version`, `lore --version` and the node's status report. The number is
 * project(VERSION) in CMakeLists.txt, the one place it is set; a package build appends its
 * revision (LORE_PACKAGE_VERSION, e.g. "0.1.0+git349.g486672f"), compiled into version.c alone so a
 * new revision rebuilds one file.
 */
const char *lore_version(void);

#endif
