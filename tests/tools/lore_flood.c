/*
 * lore_flood: a hostile peer, for tests and benchmarks. It dials a node's peer port and sends, as
 * fast as ZeroMQ lets it, a mix of garbage: random bytes, frames with our version byte but
 * malformed bodies, HELLOs with bad names, entries that fail to decode, entries with a broken
 * signature, and frames larger than the node accepts (which make it drop the connection; ZeroMQ
 * dials again). Loopback or test namespaces only.
 *
 *   lore_flood HOST:PORT SECONDS [JOIN-CODE]
 *   lore_flood --wrong-code JOIN-CODE    (prints a code for the same team with another secret)
 *
 * Without a join code it is an outsider: its plain connection never gets past CurveZMQ. With
 * the team's join code it passes the ZAP handler as a newcomer (the strongest position a leaked
 * code gives) and floods from inside the encrypted link.
 * Prints how many frames of each kind it sent.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "buf.h"
#include "kinds.h"
#include "team.h"
#include "wire.h"
#include "xmalloc.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sign(void *ctx, const uint8_t *m, size_t len, uint8_t sig[64])
{
    return crypto_sign_detached(sig, NULL, m, len, ctx);
}

int main(int argc, char **argv)
{
    enum { RANDOM, BADBODY, BADHELLO, BADENTRY, BADSIG, OVERSIZE, NKINDS };
    static const char *const names[NKINDS] = {"random bytes",
                                              "malformed messages",
                                              "bad HELLOs",
                                              "undecodable entries",
                                              "entries with a broken signature",
                                              "oversized frames"};
    unsigned long sent[NKINDS] = {0}, attempts = 1;
    uint8_t pk[32], sk[64], junk[512], *big;
    char endpoint[128];
    void *ctx, *sock;
    struct buf b, entry;
    struct entry *e;
    struct entry_fields f = {0};
    double end;
    size_t len;
    int hwm = 100000, linger = 0, k;

    if (argc == 3 && strcmp(argv[1], "--wrong-code") == 0 && sodium_init() >= 0) {
        /* A join code for the same team with a secret of our own: what an outsider who saw the
         * team id (but not the secret) could make. */
        uint8_t id[TEAM_ID_LEN], secret[TEAM_SECRET_LEN];
        char code[TEAM_CODE_MAX], err2[160];
        if (team_code_decode(argv[2], id, secret, err2, sizeof(err2)) != 0) {
            fprintf(stderr, "lore_flood: %s\n", err2);
            return 2;
        }
        randombytes_buf(secret, sizeof(secret));
        team_code_encode(id, secret, code);
        printf("%s\n", code);
        return 0;
    }
    if ((argc != 3 && argc != 4) || sodium_init() < 0) {
        fprintf(stderr, "usage: lore_flood HOST:PORT SECONDS [JOIN-CODE]\n");
        return 2;
    }
    snprintf(endpoint, sizeof(endpoint), "tcp://%s", argv[1]);
    end = now_s() + strtod(argv[2], NULL);
    crypto_sign_keypair(pk, sk);
    f.kind = ENTRY_QUESTION;
    f.created_ms = 1795000000000ull;
    f.title = "a flood";
    char err[256];
    e = kinds_create(&f, pk, sign, sk, err, sizeof(err));
    if (e == NULL) {
        fprintf(stderr, "lore_flood: %s\n", err);
        return 1;
    }
    buf_init(&b, WIRE_MAX_FRAME);
    buf_init(&entry, WIRE_MAX_FRAME);
    big = xcalloc(1, 2 * WIRE_MAX_FRAME);
    ctx = zmq_ctx_new();
    sock = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
    if (argc == 4) {
        uint8_t id[TEAM_ID_LEN], secret[TEAM_SECRET_LEN], spk[32], ssk[32], jsk[32];
        struct team_invite *inv;
        if (team_code_decode(argv[3], id, secret, err, sizeof(err)) != 0 ||
            (inv = team_invite_new(secret)) == NULL) {
            fprintf(stderr, "lore_flood: bad join code: %s\n", err);
            return 2;
        }
        team_server_keys(id, spk, ssk);
        team_invite_join_secret(inv, jsk);
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, spk, 32);
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, team_invite_join_public(inv), 32);
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, jsk, 32);
        team_invite_destroy(&inv);
    }
    if (zmq_connect(sock, endpoint) != 0) {
        fprintf(stderr, "lore_flood: cannot dial %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        return 1;
    }
    for (unsigned long i = 0; now_s() < end; i++) {
        if (argc == 3 && i > 0 && i % 500 == 0) {
            /* An outsider's connection dies at the handshake: keep knocking on new ones. */
            zmq_close(sock);
            sock = zmq_socket(ctx, ZMQ_DEALER);
            zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
            zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
            if (zmq_connect(sock, endpoint) != 0)
                return 1;
            attempts++;
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        k = (int)(i % 97 == 0 ? OVERSIZE : i % NKINDS == OVERSIZE ? RANDOM : i % NKINDS);
        buf_reset(&b);
        switch (k) {
        case RANDOM:
            randombytes_buf(junk, sizeof(junk));
            if (buf_append(&b, junk, 1 + randombytes_uniform(sizeof(junk))) != 0)
                return 1; /* cannot happen: b holds a frame */
            break;
        case BADBODY:
            randombytes_buf(junk, 64);
            junk[0] = WIRE_VERSION;
            junk[1] = (uint8_t)(1 + randombytes_uniform(13));
            if (buf_append(&b, junk, 2 + randombytes_uniform(62)) != 0)
                return 1;
            break;
        case BADHELLO: {
            struct wire_hello_fields h = {0};
            h.key = pk;
            h.nonce = i;
            h.listen_port = 1;
            h.entries = 1;
            h.name = "bad\x1b[2Jname";
            h.challenge = junk;
            if (wire_hello(&b, &h) != 0)
                return 1;
            break;
        }
        case BADENTRY:
            randombytes_buf(junk, 200);
            junk[0] = 1;
            if (wire_entry(&b, junk, 200) != 0)
                return 1;
            break;
        case BADSIG:
            buf_reset(&entry);
            entry_bytes(e, &len);
            if (buf_append(&entry, entry_bytes(e, NULL), len) != 0)
                return 1;
            entry.data[len - 1 - (i % 64)] ^= 1; /* flip a bit in the signature */
            if (wire_entry(&b, entry.data, entry.len) != 0)
                return 1;
            break;
        case OVERSIZE:
            big[0] = WIRE_VERSION;
            big[1] = WIRE_ENTRY;
            if (zmq_send(sock, big, 2 * WIRE_MAX_FRAME, ZMQ_DONTWAIT) >= 0)
                sent[OVERSIZE]++;
            continue;
        }
        if (zmq_send(sock, b.data, b.len, ZMQ_DONTWAIT) >= 0)
            sent[k]++;
    }
    for (k = 0; k < NKINDS; k++)
        printf("%lu %s\n", sent[k], names[k]);
    printf("%lu connections\n", attempts);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    entry_destroy(&e);
    buf_free(&b);
    buf_free(&entry);
    free(big);
    return 0;
}
