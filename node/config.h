/*
 * config: lored's settings, from one declarative table (name, type, default, bounds, doc).
 *
 * The file is INI without sections: `key = value` lines, `#` or `;` comments. Unknown keys, values of
 * the wrong type or out of bounds are errors reported as "FILE:LINE: message". Every option has a
 * documented default (config_dump prints them all).
 */
#ifndef LORE_CONFIG_H
#define LORE_CONFIG_H

#include <stdio.h>

#include "log.h"

struct config {
    char *name;                /* name: display name used when identity is first created ("") */
    enum log_level log_level;  /* log_level: error|warn|info|debug (info) */
    int cache_mb;              /* cache_mb: SQLite page cache in MiB, 1..1024 (16) */
};

/* A config holding the defaults. Never NULL. */
struct config *config_new(void);
void config_destroy(struct config **cp);

/* Read path. A missing file is fine (defaults stay) unless must_exist. Returns 0, or -1 with
 * "FILE:LINE: message" in err. On error cfg may be partly updated. */
int config_load(struct config *cfg, const char *path, int must_exist, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Set one option by name from a string, as a file line would (used for command-line overrides).
 * Returns 0, or -1 with a message in err. */
int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Write every option as a commented `key = value` line (effective values, defaults and docs). */
void config_dump(const struct config *cfg, FILE *out);

#endif
