/* timeunits: lengths of time in milliseconds, written once (times in lore are ms since the
 * epoch). Unsigned long long, so products and sums with times do not overflow an int. */
#ifndef LORE_TIMEUNITS_H
#define LORE_TIMEUNITS_H

#define LORE_SECOND_MS 1000ull
#define LORE_MINUTE_MS (60 * LORE_SECOND_MS)
#define LORE_HOUR_MS (60 * LORE_MINUTE_MS)
#define LORE_DAY_MS (24 * LORE_HOUR_MS)
#define LORE_WEEK_MS (7 * LORE_DAY_MS)

#endif
