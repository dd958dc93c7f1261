/* node_team: the API ops team_create, team_join, team_show, team_rotate, team_revoke, team_admin,
 * team_vouch (docs/API.md). */
#ifndef LORE_NODE_TEAM_H
#define LORE_NODE_TEAM_H

#include "node_int.h"

extern const struct node_op node_team_ops[];

#endif
