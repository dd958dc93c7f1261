#include "version.h"

#ifndef LORE_VERSION
#error "LORE_VERSION is set by CMakeLists.txt"
#endif

const char *lore_version(void)
{
    return LORE_VERSION;
}
