/* libFuzzer harness for the config file parser: any file content loads or fails with a
 * "FILE:LINE: message", never crashes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    struct config *cfg;
    char err[512];

    log_set_level(LOG_LEVEL_ERROR);
    if (fd < 0) {
        snprintf(path, sizeof(path), "/tmp/lore-fuzz-config-XXXXXX");
        fd = mkstemp(path);
        if (fd < 0)
            abort();
        atexit(remove_file);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    cfg = config_new();
    err[0] = '\0';
    if (config_load(cfg, path, 1, err, sizeof(err)) != 0 && strstr(err, path) == NULL)
        abort(); /* every error names the file */
    config_destroy(&cfg);
    return 0;
}
