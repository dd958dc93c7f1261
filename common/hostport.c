#include "hostport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"

int hostport_parse(const char *s, unsigned port_min, size_t *hostlen, uint16_t *port, char *err,
                   size_t errlen)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long n;

    if (colon == NULL || colon == s || strlen(s) > HOSTPORT_MAX) {
        errmsg_set(err, errlen, "'%.80s' is not HOST:PORT", s);
        return -1;
    }
    errno = 0;
    n = strtol(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || end == colon + 1 || n < (long)port_min || n > 65535) {
        errmsg_set(err, errlen, "'%.80s': the port must be a number from %u to 65535", s, port_min);
        return -1;
    }
    if (hostlen != NULL)
        *hostlen = (size_t)(colon - s);
    if (port != NULL)
        *port = (uint16_t)n;
    return 0;
}
