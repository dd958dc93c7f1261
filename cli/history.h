/* history: the versions of an entry (a get response's "history"), each diffed against the one
 * before, on stdout. */
#ifndef LORE_HISTORY_H
#define LORE_HISTORY_H

#include <jansson.h>

/* Print resp's "history" (nothing if it has none). */
void history_print(json_t *resp);

#endif
