/*
 * bench_util: what the benchmark programs share — a monotonic clock, percentiles, a process's
 * resident memory, a file read into the OS cache. Header-only (static inline), for the programs in
 * tests/bench.
 */
#ifndef LORE_BENCH_UTIL_H
#define LORE_BENCH_UTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static inline double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[(size_t)(p * (double)(n - 1))];
}

static inline long rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

/* Read path once, so that what follows finds it in the OS cache as on a machine that uses its
 * replica daily (and lore and a reference find it alike, whatever ran before). Returns the bytes
 * read, or -1. */
static inline long long warm_file(const char *path)
{
    static char chunk[1 << 20];
    long long total = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        total += n;
    close(fd);
    return n < 0 ? -1 : total;
}

#endif
