/* web_form: the fields of an application/x-www-form-urlencoded body (what a plain HTML form
 * posts), decoded; the one decoder of form bytes from the browser. */
#ifndef LORE_WEB_FORM_H
#define LORE_WEB_FORM_H

#include <stddef.h>

#define WEB_FORM_MAX_FIELDS 32

struct web_form {
    size_t n;
    char *names[WEB_FORM_MAX_FIELDS]; /* decoded, NUL-terminated, owned */
    char *values[WEB_FORM_MAX_FIELDS];
};

/* Decode body[0..len) ('&'-separated name=value pairs, '+' a space, %XX a byte) into f, which is
 * overwritten. Returns 0, or -1 (f empty) on a malformed escape, a NUL byte, or more than
 * WEB_FORM_MAX_FIELDS fields. Values are bytes as sent: the ops check their text. */
int web_form_parse(struct web_form *f, const char *body, size_t len)
    __attribute__((warn_unused_result));
/* The first value of name (borrowed from f), or NULL. */
const char *web_form_get(const struct web_form *f, const char *name);
/* Free f's strings and leave it empty. */
void web_form_free(struct web_form *f);

#endif
