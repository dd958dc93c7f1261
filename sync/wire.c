#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"

static const char *const wire_names[] = {
    [WIRE_HELLO] = "HELLO", [WIRE_PING] = "PING",         [WIRE_PONG] = "PONG",
    [WIRE_ENTRY] = "ENTRY", [WIRE_IHAVE] = "IHAVE",       [WIRE_WANT] = "WANT",
    [WIRE_PRUNE] = "PRUNE", [WIRE_GRAFT] = "GRAFT",       [WIRE_RECON] = "RECON",
    [WIRE_BATCH] = "BATCH", [WIRE_STREAM] = "STREAM",     [WIRE_BYE] = "BYE",
    [WIRE_PEERS] = "PEERS", [WIRE_PRESENCE] = "PRESENCE", [WIRE_FEATURES] = "FEATURES",
    [WIRE_LATER] = "LATER",
};

const char *wire_type_name(enum wire_type type)
{
    if ((size_t)type < sizeof(wire_names) / sizeof(wire_names[0]) && wire_names[type] != NULL)
        return wire_names[type];
    return "?";
}

/* ---- decoding ---- */

struct wire_reader {
    const uint8_t *p;
    size_t len, off;
};

static int rd_bytes(struct wire_reader *r, size_t n, const uint8_t **out)
{
    if (r->len - r->off < n)
        return -1;
    *out = r->p + r->off;
    r->off += n;
    return 0;
}

static int rd_uint(struct wire_reader *r, size_t width, uint64_t *v)
{
    const uint8_t *p;
    size_t i;

    if (rd_bytes(r, width, &p) != 0)
        return -1;
    *v = 0;
    for (i = 0; i < width; i++)
        *v = *v << 8 | p[i];
    return 0;
}

/* Valid display text: printable, no control characters (names show up in `lore peers`). */
static int wire_text_ok(const uint8_t *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static int wire_decode_ids(struct wire_reader *r, struct wire_msg *m, char *err, size_t errlen)
{
    uint64_t n;

    if (rd_uint(r, 2, &n) != 0 || n == 0 || n > WIRE_MAX_IDS ||
        rd_bytes(r, n * WIRE_ID_LEN, &m->u.ids.ids) != 0) {
        errmsg_set(err, errlen, "%s: bad id list", wire_type_name(m->type));
        return -1;
    }
    m->u.ids.n = n;
    return 0;
}

static int wire_decode_batch(struct wire_reader *r, struct wire_msg *m, char *err, size_t errlen)
{
    uint64_t n, len, i;
    const uint8_t *p;

    if (rd_uint(r, 8, &m->u.batch.remaining_entries) != 0 ||
        rd_uint(r, 8, &m->u.batch.remaining_bytes) != 0 || rd_uint(r, 2, &n) != 0) {
        errmsg_set(err, errlen, "BATCH: truncated header");
        return -1;
    }
    m->u.batch.data = r->p + r->off;
    m->u.batch.len = r->len - r->off;
    if (m->u.batch.len > WIRE_MAX_BATCH_BYTES) {
        errmsg_set(err, errlen, "BATCH: %zu bytes exceed the limit", m->u.batch.len);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (rd_uint(r, 4, &len) != 0 || len == 0 || rd_bytes(r, len, &p) != 0) {
            errmsg_set(err, errlen, "BATCH: entry %llu is truncated", (unsigned long long)i);
            return -1;
        }
    }
    m->u.batch.n = n;
    return 0;
}

/* HELLO's tail: challenge, optional proof, credentials (each a non-empty entry). */
static int wire_decode_hello_auth(struct wire_reader *r, struct wire_msg *m, char *err,
                                  size_t errlen)
{
    uint64_t has_proof, n, len, i;
    const uint8_t *p;
    size_t start;

    if (rd_bytes(r, WIRE_CHALLENGE_LEN, &m->u.hello.challenge) != 0 ||
        rd_uint(r, 1, &has_proof) != 0 || has_proof > 1) {
        errmsg_set(err, errlen, "HELLO: truncated challenge");
        return -1;
    }
    m->u.hello.proof = NULL;
    if (has_proof && rd_bytes(r, WIRE_PROOF_LEN, &m->u.hello.proof) != 0) {
        errmsg_set(err, errlen, "HELLO: truncated proof");
        return -1;
    }
    if (rd_uint(r, 2, &n) != 0 || n > WIRE_MAX_CREDS) {
        errmsg_set(err, errlen, "HELLO: bad credentials count");
        return -1;
    }
    start = r->off;
    m->u.hello.creds = r->p + r->off;
    for (i = 0; i < n; i++) {
        if (rd_uint(r, 4, &len) != 0 || len == 0 || rd_bytes(r, len, &p) != 0) {
            errmsg_set(err, errlen, "HELLO: credential %llu is truncated", (unsigned long long)i);
            return -1;
        }
    }
    m->u.hello.ncreds = n;
    m->u.hello.creds_len = r->off - start;
    if (m->u.hello.creds_len > WIRE_MAX_CREDS_BYTES) {
        errmsg_set(err, errlen, "HELLO: credentials exceed %u bytes", WIRE_MAX_CREDS_BYTES);
        return -1;
    }
    return 0;
}

/* An address as peers exchange it: printable, "host:port" with a numeric port. */
static int wire_addr_ok(const uint8_t *p, size_t n)
{
    size_t i, colon = 0;

    if (n < 3 || n > WIRE_MAX_ADDR)
        return 0;
    for (i = 0; i < n; i++) {
        if (p[i] <= 0x20 || p[i] >= 0x7f)
            return 0;
        if (p[i] == ':')
            colon = i;
    }
    if (colon == 0 || colon == n - 1)
        return 0;
    for (i = colon + 1; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

static int wire_decode_peers(struct wire_reader *r, struct wire_msg *m, char *err, size_t errlen)
{
    uint64_t n, len, i;
    const uint8_t *p;

    if (rd_uint(r, 1, &n) != 0 || n > WIRE_MAX_PEERS) {
        errmsg_set(err, errlen, "PEERS: bad count");
        return -1;
    }
    m->u.peers.data = r->p + r->off;
    m->u.peers.len = r->len - r->off;
    for (i = 0; i < n; i++) {
        if (rd_bytes(r, WIRE_KEY_LEN, &p) != 0 || rd_uint(r, 1, &len) != 0 ||
            rd_bytes(r, len, &p) != 0 || !wire_addr_ok(p, len)) {
            errmsg_set(err, errlen, "PEERS: peer %llu is truncated or not HOST:PORT",
                       (unsigned long long)i);
            return -1;
        }
    }
    m->u.peers.n = n;
    return 0;
}

static int wire_decode_presence(struct wire_reader *r, struct wire_msg *m, char *err, size_t errlen)
{
    struct wire_presence_fields *f = &m->u.presence;
    uint64_t ttl, seq;

    if (rd_bytes(r, WIRE_KEY_LEN, &f->key) != 0 || rd_uint(r, 8, &f->time_ms) != 0 ||
        rd_uint(r, 4, &ttl) != 0 || rd_uint(r, 4, &seq) != 0 ||
        rd_bytes(r, WIRE_SIG_LEN, &f->sig) != 0) {
        errmsg_set(err, errlen, "PRESENCE: truncated");
        return -1;
    }
    if (ttl == 0 || ttl > WIRE_MAX_PRESENCE_TTL_MS) {
        errmsg_set(err, errlen, "PRESENCE: ttl %llu ms is not 1 to %u", (unsigned long long)ttl,
                   WIRE_MAX_PRESENCE_TTL_MS);
        return -1;
    }
    f->ttl_ms = (uint32_t)ttl;
    f->seq = (uint32_t)seq;
    return 0;
}

static int wire_decode_hello(struct wire_reader *r, struct wire_msg *m, char *err, size_t errlen)
{
    uint64_t v, flags;
    const uint8_t *p;

    if (rd_bytes(r, WIRE_KEY_LEN, &m->u.hello.key) != 0 || rd_uint(r, 8, &m->u.hello.nonce) != 0 ||
        rd_uint(r, 1, &flags) != 0 || flags > 1 || rd_uint(r, 2, &v) != 0 ||
        rd_uint(r, 8, &m->u.hello.entries) != 0 || rd_uint(r, 8, &m->u.hello.clock_ms) != 0) {
        errmsg_set(err, errlen, "HELLO: truncated");
        return -1;
    }
    m->u.hello.is_reply = (int)flags;
    m->u.hello.listen_port = (uint16_t)v;
    if (rd_uint(r, 1, &v) != 0 || v > WIRE_MAX_NAME || rd_bytes(r, v, &p) != 0 ||
        !wire_text_ok(p, v)) {
        errmsg_set(err, errlen, "HELLO: bad name");
        return -1;
    }
    m->u.hello.name = (const char *)p;
    m->u.hello.name_len = v;
    return wire_decode_hello_auth(r, m, err, errlen);
}

int wire_decode(const uint8_t *frame, size_t len, struct wire_msg *m, char *err, size_t errlen)
{
    struct wire_reader r = {frame, len, 0};
    uint64_t version, type, v;
    const uint8_t *p;

    memset(m, 0, sizeof(*m));
    if (len > WIRE_MAX_FRAME) {
        errmsg_set(err, errlen, "frame of %zu bytes exceeds the limit", len);
        return -1;
    }
    if (rd_uint(&r, 1, &version) != 0 || rd_uint(&r, 1, &type) != 0) {
        errmsg_set(err, errlen, "frame too short");
        return -1;
    }
    if (version != WIRE_VERSION) {
        errmsg_set(err, errlen, "unknown protocol version %llu", (unsigned long long)version);
        return -1;
    }
    m->type = (enum wire_type)type;
    switch (type) {
    case WIRE_HELLO:
        if (wire_decode_hello(&r, m, err, errlen) != 0)
            return -1;
        break;
    case WIRE_PING:
    case WIRE_PONG:
        if (rd_uint(&r, 8, &m->u.ping) != 0) {
            errmsg_set(err, errlen, "%s: truncated", wire_type_name(m->type));
            return -1;
        }
        break;
    case WIRE_ENTRY:
        m->u.entry.bytes = frame + r.off;
        m->u.entry.len = len - r.off;
        r.off = len;
        if (m->u.entry.len == 0) {
            errmsg_set(err, errlen, "ENTRY: empty");
            return -1;
        }
        break;
    case WIRE_IHAVE:
    case WIRE_WANT:
    case WIRE_GRAFT:
        if (wire_decode_ids(&r, m, err, errlen) != 0)
            return -1;
        break;
    case WIRE_PRUNE:
        break;
    case WIRE_RECON:
        if (rd_uint(&r, 4, &v) != 0) {
            errmsg_set(err, errlen, "RECON: truncated");
            return -1;
        }
        m->u.recon.session = (uint32_t)v;
        m->u.recon.msg = frame + r.off;
        m->u.recon.len = len - r.off;
        r.off = len;
        break;
    case WIRE_BATCH:
        if (wire_decode_batch(&r, m, err, errlen) != 0)
            return -1;
        break;
    case WIRE_STREAM:
        if (rd_uint(&r, 8, &m->u.stream.after_ts) != 0 ||
            rd_bytes(&r, WIRE_ID_LEN, &m->u.stream.after_id) != 0 || rd_uint(&r, 4, &v) != 0 ||
            v == 0) {
            errmsg_set(err, errlen, "STREAM: truncated or asks for nothing");
            return -1;
        }
        m->u.stream.max_entries = (uint32_t)v;
        break;
    case WIRE_BYE:
        if (rd_uint(&r, 1, &v) != 0 || rd_bytes(&r, v, &p) != 0 || !wire_text_ok(p, v)) {
            errmsg_set(err, errlen, "BYE: bad reason");
            return -1;
        }
        m->u.bye.reason = (const char *)p;
        m->u.bye.len = v;
        break;
    case WIRE_PEERS:
        if (wire_decode_peers(&r, m, err, errlen) != 0)
            return -1;
        break;
    case WIRE_PRESENCE:
        if (wire_decode_presence(&r, m, err, errlen) != 0)
            return -1;
        break;
    case WIRE_FEATURES:
        if (rd_uint(&r, 8, &m->u.features) != 0) {
            errmsg_set(err, errlen, "FEATURES: truncated");
            return -1;
        }
        break;
    default:
        if (type <= WIRE_FEATURES) {
            errmsg_set(err, errlen, "unknown message type %llu", (unsigned long long)type);
            return -1;
        }
        m->type = WIRE_LATER; /* a later node's type: its body is its own business */
        return 0;
    }
    if (r.off != len) {
        errmsg_set(err, errlen, "%s: %zu trailing bytes", wire_type_name(m->type), len - r.off);
        return -1;
    }
    return 0;
}

/* Walk (u32 length, bytes) records that wire_decode already checked. */
static int wire_records_next(const uint8_t *data, size_t dlen, size_t *pos, const uint8_t **bytes,
                             size_t *len)
{
    const uint8_t *p = data + *pos;
    size_t n;

    if (*pos + 4 > dlen)
        return 0;
    n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    *bytes = p + 4;
    *len = n;
    *pos += 4 + n;
    return 1;
}

int wire_batch_next(const struct wire_msg *m, size_t *pos, const uint8_t **bytes, size_t *len)
{
    return wire_records_next(m->u.batch.data, m->u.batch.len, pos, bytes, len);
}

int wire_creds_next(const struct wire_msg *m, size_t *pos, const uint8_t **bytes, size_t *len)
{
    return wire_records_next(m->u.hello.creds, m->u.hello.creds_len, pos, bytes, len);
}

void wire_proof_message(const uint8_t team[WIRE_TEAM_LEN],
                        const uint8_t challenge[WIRE_CHALLENGE_LEN], enum wire_role role,
                        const uint8_t signer[WIRE_KEY_LEN], const uint8_t peer[WIRE_KEY_LEN],
                        const uint8_t client_curve[WIRE_KEY_LEN], uint8_t out[WIRE_PROOF_MSG_LEN])
{
    size_t off = 0;

    memcpy(out + off, "lore-hello-v2", 13);
    off += 13;
    memcpy(out + off, team, WIRE_TEAM_LEN);
    off += WIRE_TEAM_LEN;
    memcpy(out + off, challenge, WIRE_CHALLENGE_LEN);
    off += WIRE_CHALLENGE_LEN;
    out[off++] = (uint8_t)role;
    memcpy(out + off, signer, WIRE_KEY_LEN);
    off += WIRE_KEY_LEN;
    memcpy(out + off, peer, WIRE_KEY_LEN);
    off += WIRE_KEY_LEN;
    memcpy(out + off, client_curve, WIRE_KEY_LEN);
}

static void wire_put_be(uint8_t *p, uint64_t v, size_t width)
{
    size_t i;

    for (i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

void wire_presence_message(const uint8_t team[WIRE_TEAM_LEN], const struct wire_presence_fields *f,
                           uint8_t out[WIRE_PRESENCE_MSG_LEN])
{
    size_t off = 0;

    memcpy(out + off, "lore-presence-v1", 16);
    off += 16;
    memcpy(out + off, team, WIRE_TEAM_LEN);
    off += WIRE_TEAM_LEN;
    memcpy(out + off, f->key, WIRE_KEY_LEN);
    off += WIRE_KEY_LEN;
    wire_put_be(out + off, f->time_ms, 8);
    off += 8;
    wire_put_be(out + off, f->ttl_ms, 4);
    off += 4;
    wire_put_be(out + off, f->seq, 4);
}

/* ---- encoding ---- */

static int wire_head(struct buf *out, enum wire_type type)
{
    return buf_append_u8(out, WIRE_VERSION) | buf_append_u8(out, (uint8_t)type);
}

int wire_hello(struct buf *out, const struct wire_hello_fields *h)
{
    size_t n = h->name != NULL ? strlen(h->name) : 0;
    int rc;

    if (n > WIRE_MAX_NAME)
        n = WIRE_MAX_NAME;
    if (h->ncreds > WIRE_MAX_CREDS || h->creds_len > WIRE_MAX_CREDS_BYTES)
        return -1;
    rc = wire_head(out, WIRE_HELLO) | buf_append(out, h->key, WIRE_KEY_LEN) |
         buf_append_u64be(out, h->nonce) | buf_append_u8(out, h->is_reply ? 1 : 0) |
         buf_append_u16be(out, h->listen_port) | buf_append_u64be(out, h->entries) |
         buf_append_u64be(out, h->clock_ms) | buf_append_u8(out, (uint8_t)n) |
         buf_append(out, h->name, n) | buf_append(out, h->challenge, WIRE_CHALLENGE_LEN) |
         buf_append_u8(out, h->proof != NULL ? 1 : 0);
    if (h->proof != NULL)
        rc |= buf_append(out, h->proof, WIRE_PROOF_LEN);
    rc |= buf_append_u16be(out, (uint16_t)h->ncreds);
    if (h->creds_len > 0)
        rc |= buf_append(out, h->creds, h->creds_len);
    return rc;
}

int wire_ping(struct buf *out, enum wire_type type, uint64_t value)
{
    return wire_head(out, type) | buf_append_u64be(out, value);
}

int wire_entry(struct buf *out, const uint8_t *bytes, size_t len)
{
    return wire_head(out, WIRE_ENTRY) | buf_append(out, bytes, len);
}

int wire_ids(struct buf *out, enum wire_type type, const uint8_t *ids, size_t n)
{
    if (n == 0 || n > WIRE_MAX_IDS)
        return -1;
    return wire_head(out, type) | buf_append_u16be(out, (uint16_t)n) |
           buf_append(out, ids, n * WIRE_ID_LEN);
}

int wire_empty(struct buf *out, enum wire_type type)
{
    return wire_head(out, type);
}

int wire_features(struct buf *out, uint64_t bits)
{
    return wire_head(out, WIRE_FEATURES) | buf_append_u64be(out, bits);
}

int wire_recon(struct buf *out, uint32_t session, const uint8_t *msg, size_t len)
{
    return wire_head(out, WIRE_RECON) | buf_append_u32be(out, session) | buf_append(out, msg, len);
}

#define WIRE_BATCH_COUNT_AT 18 /* version, type, two u64 */

int wire_batch_begin(struct buf *out, uint64_t remaining_entries, uint64_t remaining_bytes)
{
    return wire_head(out, WIRE_BATCH) | buf_append_u64be(out, remaining_entries) |
           buf_append_u64be(out, remaining_bytes) | buf_append_u16be(out, 0);
}

int wire_batch_add(struct buf *out, const uint8_t *bytes, size_t len)
{
    size_t count;

    if (out->len < WIRE_BATCH_COUNT_AT + 2 || len == 0 ||
        out->len - (WIRE_BATCH_COUNT_AT + 2) + 4 + len > WIRE_MAX_BATCH_BYTES)
        return -1;
    count = (size_t)out->data[WIRE_BATCH_COUNT_AT] << 8 | out->data[WIRE_BATCH_COUNT_AT + 1];
    if (count == 0xffff)
        return -1;
    if (buf_append_u32be(out, (uint32_t)len) != 0)
        return -1;
    if (buf_append(out, bytes, len) != 0) {
        out->len -= 4;
        return -1;
    }
    count++;
    out->data[WIRE_BATCH_COUNT_AT] = (uint8_t)(count >> 8);
    out->data[WIRE_BATCH_COUNT_AT + 1] = (uint8_t)count;
    return 0;
}

void wire_batch_finish(struct buf *out, uint64_t remaining_entries, uint64_t remaining_bytes)
{
    int i;

    for (i = 0; i < 8; i++) {
        out->data[2 + i] = (uint8_t)(remaining_entries >> (56 - 8 * i));
        out->data[10 + i] = (uint8_t)(remaining_bytes >> (56 - 8 * i));
    }
}

int wire_stream(struct buf *out, uint64_t after_ts, const uint8_t after_id[WIRE_ID_LEN],
                uint32_t max_entries)
{
    return wire_head(out, WIRE_STREAM) | buf_append_u64be(out, after_ts) |
           buf_append(out, after_id, WIRE_ID_LEN) | buf_append_u32be(out, max_entries);
}

int wire_bye(struct buf *out, const char *reason)
{
    size_t n = strlen(reason);

    if (n > 255)
        n = 255;
    return wire_head(out, WIRE_BYE) | buf_append_u8(out, (uint8_t)n) | buf_append(out, reason, n);
}

int wire_presence(struct buf *out, const struct wire_presence_fields *f)
{
    if (f->key == NULL || f->sig == NULL || f->ttl_ms == 0 || f->ttl_ms > WIRE_MAX_PRESENCE_TTL_MS)
        return -1;
    return wire_head(out, WIRE_PRESENCE) | buf_append(out, f->key, WIRE_KEY_LEN) |
           buf_append_u64be(out, f->time_ms) | buf_append_u32be(out, f->ttl_ms) |
           buf_append_u32be(out, f->seq) | buf_append(out, f->sig, WIRE_SIG_LEN);
}

int wire_peers_begin(struct buf *out)
{
    return wire_head(out, WIRE_PEERS) | buf_append_u8(out, 0);
}

int wire_peers_add(struct buf *out, const uint8_t key[WIRE_KEY_LEN], const char *addr)
{
    size_t n = strlen(addr);

    if (out->len < 3 || out->data[2] >= WIRE_MAX_PEERS || !wire_addr_ok((const uint8_t *)addr, n))
        return -1;
    if ((buf_append(out, key, WIRE_KEY_LEN) | buf_append_u8(out, (uint8_t)n) |
         buf_append(out, addr, n)) != 0)
        return -1;
    out->data[2]++;
    return 0;
}

int wire_peers_next(const struct wire_msg *m, size_t *pos, const uint8_t **key,
                    char addr[WIRE_MAX_ADDR + 1])
{
    const uint8_t *p = m->u.peers.data + *pos;
    size_t n;

    /* wire_decode checked every length; this only walks. */
    if (*pos + WIRE_KEY_LEN + 1 > m->u.peers.len)
        return 0;
    *key = p;
    n = p[WIRE_KEY_LEN];
    memcpy(addr, p + WIRE_KEY_LEN + 1, n);
    addr[n] = '\0';
    *pos += WIRE_KEY_LEN + 1 + n;
    return 1;
}
