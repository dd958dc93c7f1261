/* link: a socket whose options cannot be set is not opened. ZMQ_MAXMSGSIZE is the frame cap
 * docs/SECURITY.md relies on (ZeroMQ drops an oversized frame before allocating it); a socket
 * without it must never listen or dial. zmq_setsockopt is interposed here to fail on demand. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <zmq.h>

#include "link.h"
#include "log.h"
#include "loop.h"
#include "xmalloc.h"

static int fail_option = -1; /* the option zmq_setsockopt refuses, or -1 */
static int failed;           /* how often it did */

int zmq_setsockopt(void *s, int option, const void *value, size_t len)
{
    static int (*real)(void *, int, const void *, size_t);

    if (option == fail_option) {
        failed++;
        errno = EINVAL;
        return -1;
    }
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "zmq_setsockopt");
    return real(s, option, value, len);
}

static int sign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[WIRE_PROOF_LEN])
{
    return crypto_sign_detached(sig, NULL, msg, len, ctx);
}

static uint64_t no_entries(void *ctx)
{
    (void)ctx;
    return 0;
}

struct keys {
    uint8_t key[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    uint8_t team[WIRE_TEAM_LEN];
    uint8_t server_pk[32], server_sk[32], node_pk[32], node_sk[32];
};

static struct links *open_links(struct loop *loop, struct keys *k, const char *listen, char *err,
                                size_t errlen)
{
    struct links_config cfg = {0};
    struct links_callbacks cb = {0};

    crypto_sign_keypair(k->key, k->sk);
    randombytes_buf(k->team, sizeof(k->team));
    crypto_box_keypair(k->server_pk, k->server_sk);
    crypto_box_keypair(k->node_pk, k->node_sk);
    cfg.listen = listen;
    cfg.name = "sockopt";
    cfg.entries = no_entries;
    cfg.key = k->key;
    cfg.team = k->team;
    cfg.server_public = k->server_pk;
    cfg.server_secret = k->server_sk;
    cfg.node_public = k->node_pk;
    cfg.node_secret = k->node_sk;
    cfg.sign = sign;
    cfg.sign_ctx = k->sk;
    return links_new(loop, &cfg, &cb, NULL, err, errlen);
}

static void test_listen_needs_the_frame_cap(void **state)
{
    struct loop *loop = loop_new();
    struct keys k;
    char err[256] = "";
    struct links *ls;

    (void)state;
    fail_option = ZMQ_MAXMSGSIZE;
    failed = 0;
    ls = open_links(loop, &k, "127.0.0.1:0", err, sizeof(err));
    fail_option = -1;
    assert_int_not_equal(failed, 0);
    assert_null(ls);
    assert_non_null(strstr(err, "cannot set"));
    loop_destroy(&loop);
}

static void test_dial_needs_the_frame_cap(void **state)
{
    struct loop *loop = loop_new();
    struct keys k;
    char err[256] = "";
    struct links *ls = open_links(loop, &k, NULL, err, sizeof(err));
    struct link *l;

    (void)state;
    assert_non_null(ls);
    fail_option = ZMQ_MAXMSGSIZE;
    failed = 0;
    l = links_dial(ls, "127.0.0.1:9", LINK_STATIC, err, sizeof(err));
    fail_option = -1;
    assert_int_not_equal(failed, 0);
    /* The link is listed, down, with the reason (as when any dial fails); no socket is open. */
    assert_non_null(l);
    assert_non_null(strstr(err, "cannot set"));
    links_destroy(&ls);
    loop_destroy(&loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_needs_the_frame_cap),
        cmocka_unit_test(test_dial_needs_the_frame_cap),
    };

    log_init("test_link_sockopt", LOG_LEVEL_ERROR);
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
