/*
 * config: lored's settings, from one declarative table (name, type, default, bounds, doc).
 *
 * The file is INI without sections: `key = value` lines, `#` or `;` comments. Unknown keys, values
 * of the wrong type or out of bounds are errors reported as "FILE:LINE: message". Every option has
 * a documented default (config_dump prints them all).
 *
 * Details (parsing is inih's, line handling ours): leading whitespace is ignored (no continuation
 * lines); a `[section]` line is an error; ` ;` starts an inline comment, `#` only a whole-line one;
 * values are taken verbatim after trimming (no quotes); lines are at most 198 bytes; when a key
 * appears twice the last value wins. The options and their bounds are one table in config.c.
 */
#ifndef LORE_CONFIG_H
#define LORE_CONFIG_H

#include <stdio.h>

#include "log.h"

#define CONFIG_LIST_MAX 64 /* items in a repeatable option */

/* A repeatable option: every line with the key adds an item. */
struct config_list {
    char **items;
    size_t n;
};

struct config {
    char *name;               /* name: display name used when identity is first created ("",
                                 at most 128 bytes); never NULL */
    enum log_level log_level; /* log_level: error|warn|info|debug (info) */
    int cache_mb;             /* cache_mb: SQLite page cache in MiB, 1..1024 (16) */
    char *listen;             /* listen: HOST:PORT for peers ("0.0.0.0:5673"); "" = do not listen */
    struct config_list peers; /* peer: HOST:PORT to dial, repeatable (none) */
    int sync_interval;        /* sync_interval: seconds between reconciliations, 1..3600 (30) */
    int peer_exchange;        /* peer_exchange: on|off (on) */
    int push_pacing;          /* push_pacing: on|off (on) */
    int mdns;                 /* mdns: on|off (on) */
    char *mdns_interfaces;    /* mdns_interfaces: comma-separated names ("" = all) */
    int verify_threads; /* verify_threads: signature-checking threads, 0 = CPUs - 1, at least 1 (0)
                         */
    char *notify;       /* notify: all|urgent|off, what `lore watch --notify` sends ("all") */
    char *quiet_hours;  /* quiet_hours: HH:MM-HH:MM of local time without notifications ("") */
    int escalate_after; /* escalate_after: seconds before an unanswered urgent question reaches
                           the followers of its tags, 1..43200 (600) */
    int escalate_again; /* escalate_again: seconds more before it reaches everyone, 1..43200 (600)
                         */
    char *web_listen;   /* web_listen: loopback HOST:PORT of the web interface
                           ("127.0.0.1:5680"); "" = off */
    int integrity_per_second; /* integrity_per_second: entries the background integrity pass
                                 verifies each second, 0..100000 (200); 0 = off */
};

/* A config holding the defaults. Never NULL. */
struct config *config_new(void);
void config_destroy(struct config **cp);

/* Read path. A missing file is fine (defaults stay) unless must_exist; one that exists but cannot
 * be read (or is a directory) is an error. Returns 0, or -1 with "FILE:LINE: message" (the first
 * error in the file) or "FILE: message" in err. On error cfg may be partly updated, but an option
 * whose value was refused keeps its previous value. */
int config_load(struct config *cfg, const char *path, int must_exist, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Set one option by name from a string, as a file line would (used for command-line overrides).
 * Returns 0, or -1 with a message in err. */
int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Write every option as "# doc (default X)\nkey = value\n" (effective values); the output is a
 * valid config file that reproduces cfg. */
void config_dump(const struct config *cfg, FILE *out);

#endif
