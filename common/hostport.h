/* hostport: the one parser of HOST:PORT text (config, `lore peers add`, links, peer exchange). */
#ifndef LORE_HOSTPORT_H
#define LORE_HOSTPORT_H

#include <stddef.h>
#include <stdint.h>

#define HOSTPORT_MAX 299 /* bytes of a HOST:PORT text at most, NUL not included */

/*
 * Split s, "host:port" or "[v6]:port", at its last colon: a non-empty host, then a decimal port
 * from port_min (0 or 1; 0 is "any free port" where listening) to 65535, and at most HOSTPORT_MAX
 * bytes in all. On success returns 0, and sets *hostlen to the bytes of s before the colon and
 * *port (either may be NULL). Otherwise returns -1 with a message quoting s in err.
 */
int hostport_parse(const char *s, unsigned port_min, size_t *hostlen, uint16_t *port, char *err,
                   size_t errlen) __attribute__((warn_unused_result));

#endif
