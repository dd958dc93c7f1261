/* libFuzzer harness for the mDNS TXT record parser (mdns_parse_txt): the TXT strings of any
 * announcement on the LAN are outside bytes. Every input is accepted with a key or refused with a
 * reason, never crashes; an accepted key is the one its "key" string spells.
 *
 * Input: one byte picks the team tag the node expects (NULL, "" or a 16-hex tag), then the TXT
 * strings in their wire form (a length byte, then that many bytes; the last may be cut short). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "mdns.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TXT_STRINGS 70 /* more than mdns_parse_txt takes (64), so "too many" is reachable */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const teams[] = {NULL, "", "0123456789abcdef"};
    struct mdns_txt_string strs[FUZZ_TXT_STRINGS];
    uint8_t key[MDNS_KEY_LEN], want[MDNS_KEY_LEN];
    const char *team, *why = NULL;
    size_t n = 0, off = 1, len, i, nkeys = 0;

    if (size == 0)
        return 0;
    team = teams[data[0] % 3];
    while (off < size && n < FUZZ_TXT_STRINGS) {
        len = data[off++];
        if (len > size - off)
            len = size - off;
        /* Each string in its own allocation, so ASan sees a read past any one of them. */
        strs[n].data = len > 0 ? xmalloc(len) : NULL;
        if (len > 0)
            memcpy((uint8_t *)strs[n].data, data + off, len);
        strs[n].len = len;
        off += len;
        n++;
    }
    if (mdns_parse_txt(strs, n, team, key, &why) == 0) {
        for (i = 0; i < n; i++) {
            if (strs[i].len == 4 + 2 * MDNS_KEY_LEN &&
                strncasecmp((const char *)strs[i].data, "key=", 4) == 0) {
                if (hex_decode((const char *)strs[i].data + 4, 2 * MDNS_KEY_LEN, want,
                               MDNS_KEY_LEN) != 0 ||
                    memcmp(want, key, MDNS_KEY_LEN) != 0)
                    abort(); /* accepted a key other than the one announced */
                nkeys++;
            }
        }
        if (nkeys != 1)
            abort(); /* accepted without exactly one key string */
    } else if (why == NULL) {
        abort(); /* every refusal gives a reason */
    }
    for (i = 0; i < n; i++)
        free((void *)strs[i].data);
    return 0;
}
