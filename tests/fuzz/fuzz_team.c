/*
 * libFuzzer harness for the team module: join codes typed by anyone, and team entries from any
 * peer. The input is read twice: as a join code (text), and as (u32 big-endian length, entry)
 * records that are decoded and fed to team states. Nothing may crash or leak, and what the module
 * promises is checked:
 *   - a code that decodes re-encodes to one that decodes to the same bytes;
 *   - the credentials of a current member prove its membership to a state that holds nothing.
 * Two states are fed: one with the entries that verify (what a node sees), and one with every
 * entry that decodes, so mutated entries (whose signatures no longer verify) still reach the
 * state logic, which must be safe on anything well-formed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "entry.h"
#include "kinds.h"
#include "team.h"
#include "xmalloc.h"

#define FUZZ_MAX_ENTRIES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_code(const uint8_t *data, size_t size)
{
    uint8_t id[TEAM_ID_LEN], secret[TEAM_SECRET_LEN], id2[TEAM_ID_LEN], s2[TEAM_SECRET_LEN];
    char *code = xmalloc(size + 1), again[TEAM_CODE_MAX], err[256];

    memcpy(code, data, size);
    code[size] = '\0';
    if (team_code_decode(code, id, secret, err, sizeof(err)) == 0) {
        team_code_encode(id, secret, again);
        if (team_code_decode(again, id2, s2, err, sizeof(err)) != 0 ||
            memcmp(id, id2, TEAM_ID_LEN) != 0 || memcmp(secret, s2, TEAM_SECRET_LEN) != 0)
            abort();
    }
    free(code);
}

static void fuzz_member(void *ctx, const struct team_member_info *m)
{
    size_t *count = ctx;

    (*count) += m->is_admin ? 2 : 1;
}

/* Credentials of key from t must make key a member of an empty state of the same team. */
static void fuzz_credentials(struct team *t, const uint8_t key[ENTRY_KEY_LEN])
{
    struct entry *recs[FUZZ_MAX_ENTRIES * 2];
    struct team *empty;
    struct buf b;
    size_t off = 0, n = 0, i;
    char why[256];
    int count;

    buf_init(&b, 64u << 20);
    count = team_credentials(t, key, &b);
    if (count < 0) {
        if (b.len != 0)
            abort();
        buf_free(&b);
        return;
    }
    while (off < b.len) {
        uint32_t len = (uint32_t)b.data[off] << 24 | (uint32_t)b.data[off + 1] << 16 |
                       (uint32_t)b.data[off + 2] << 8 | b.data[off + 3];
        off += 4;
        if (n == sizeof(recs) / sizeof(recs[0]) || len > b.len - off)
            abort();
        recs[n] = entry_decode(b.data + off, len, NULL, 0);
        if (recs[n] == NULL)
            abort();
        n++;
        off += len;
    }
    if (n != (size_t)count)
        abort();
    empty = team_new(team_id(t));
    if (empty == NULL ||
        team_check_with(empty, key, (const struct entry *const *)recs, n, why, sizeof(why)) != 1)
        abort();
    team_destroy(&empty);
    for (i = 0; i < n; i++)
        entry_destroy(&recs[i]);
    buf_free(&b);
}

static void fuzz_state(const uint8_t id[TEAM_ID_LEN], struct entry *const *ents, size_t n)
{
    struct team *t = team_new(id);
    struct team_purge purges[8];
    uint8_t curve[TEAM_CURVE_LEN], key[ENTRY_KEY_LEN], head[ENTRY_ID_LEN];
    char err[256], name[TEAM_NAME_MAX + 1];
    size_t i, members = 0;

    if (t == NULL)
        abort();
    for (i = 0; i < n; i++) {
        (void)team_admits(t, ents[i], err, sizeof(err));
        (void)team_add(t, ents[i], err, sizeof(err));
        while (team_take_purges(t, purges, 8) > 0)
            ;
    }
    team_members(t, fuzz_member, &members);
    team_name(t, name, sizeof(name));
    (void)team_head(t, head);
    (void)team_version(t);
    (void)team_has_genesis(t);
    for (i = 0; i < n; i++) {
        const uint8_t *author = entry_author(ents[i]);
        size_t j;

        for (j = 0; j < i && memcmp(entry_author(ents[j]), author, ENTRY_KEY_LEN) != 0; j++)
            ;
        if (j < i)
            continue; /* each author once */
        (void)team_is_member(t, author, entry_created_ms(ents[i]));
        (void)team_is_admin(t, author, entry_created_ms(ents[i]));
        if (team_node_curve_public(author, curve) == 0)
            (void)team_zap(t, curve, key);
        /* With extras (every proof verified again) once; without for the others. */
        (void)team_check_with(t, author, (const struct entry *const *)ents, i == 0 ? n : 0, err,
                              sizeof(err));
        fuzz_credentials(t, author);
    }
    team_destroy(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct entry *all[FUZZ_MAX_ENTRIES], *verified[FUZZ_MAX_ENTRIES];
    uint8_t id[TEAM_ID_LEN] = {0}, eid[TEAM_ID_LEN];
    size_t off = 0, n = 0, nv = 0, i;
    int have_id = 0;
    char err[256];

    fuzz_code(data, size);

    while (size - off >= 4 && n < FUZZ_MAX_ENTRIES) {
        size_t len = (size_t)data[off] << 24 | (size_t)data[off + 1] << 16 |
                     (size_t)data[off + 2] << 8 | data[off + 3];
        struct entry *e;

        off += 4;
        if (len > size - off)
            len = size - off;
        e = entry_decode(data + off, len, err, sizeof(err));
        off += len;
        if (e == NULL)
            continue;
        (void)team_check_kind(e, err, sizeof(err));
        if (team_entry_team(e, eid) == 0 && !have_id) {
            memcpy(id, eid, TEAM_ID_LEN);
            have_id = 1;
        }
        all[n++] = e;
        if (kinds_verify(e, err, sizeof(err)) == 0)
            verified[nv++] = e;
    }
    if (n > 0) {
        fuzz_state(id, verified, nv);
        fuzz_state(id, all, n);
    }
    for (i = 0; i < n; i++)
        entry_destroy(&all[i]);
    return 0;
}
