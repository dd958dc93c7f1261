/* libFuzzer harness for the peer message decoder: any frame decodes or is rejected, never
 * crashes; what decodes is walked completely. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wire_msg m;
    char err[160];
    const uint8_t *bytes;
    size_t pos = 0, len, n = 0, total = 0;

    if (wire_decode(data, size, &m, err, sizeof(err)) != 0)
        return 0;
    if (m.type == WIRE_BATCH) {
        while (wire_batch_next(&m, &pos, &bytes, &len)) {
            if (bytes < data || bytes + len > data + size || len == 0)
                abort();
            total += len;
            n++;
        }
        if (n != m.u.batch.n || total > size)
            abort();
    }
    if (m.type == WIRE_PEERS) {
        char addr[WIRE_MAX_ADDR + 1];
        const uint8_t *key;
        pos = 0;
        n = 0;
        while (wire_peers_next(&m, &pos, &key, addr)) {
            if (strlen(addr) > WIRE_MAX_ADDR || strchr(addr, ':') == NULL)
                abort();
            n++;
        }
        if (n != m.u.peers.n)
            abort();
    }
    if (m.type == WIRE_PRESENCE && (size != 114 || m.u.presence.ttl_ms == 0 ||
                                    m.u.presence.ttl_ms > WIRE_MAX_PRESENCE_TTL_MS ||
                                    m.u.presence.key != data + 2 || m.u.presence.sig != data + 50))
        abort();
    if ((m.type == WIRE_IHAVE || m.type == WIRE_WANT || m.type == WIRE_GRAFT) &&
        (m.u.ids.n == 0 || m.u.ids.n > WIRE_MAX_IDS))
        abort();
    return 0;
}
