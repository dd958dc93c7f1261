/* cmd_tags: tag synonyms — `lore synonym add|drop|list` (docs/PROTOCOL.md, "Tag synonyms"). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "text.h"

/* The synonyms that apply (and those decided that do not), then the proposals. */
static void synonym_put_list(json_t *resp)
{
    json_t *s, *p;
    size_t i, j;

    if (json_array_size(json_object_get(resp, "synonyms")) == 0)
        printf("No tag synonyms.\n");
    json_array_foreach(json_object_get(resp, "synonyms"), i, s)
    {
        printf("  #");
        out_put_text(out_jstr(s, "alias"));
        printf(" -> #");
        out_put_text(out_jstr(s, "canonical"));
        printf("  (by ");
        out_put_person(json_object_get(s, "by"));
        printf(")%s\n", json_is_true(json_object_get(s, "applies"))
                            ? ""
                            : "  not applied: its canonical tag is an alias, or it has too many");
    }
    if (json_array_size(json_object_get(resp, "pending")) == 0)
        return;
    printf("Proposed, waiting for a team admin (lore synonym add ALIAS CANONICAL confirms):\n");
    json_array_foreach(json_object_get(resp, "pending"), i, s)
    {
        printf("  #");
        out_put_text(out_jstr(s, "alias"));
        printf(" -> #");
        out_put_text(out_jstr(s, "canonical"));
        printf("  (");
        json_array_foreach(json_object_get(s, "proposers"), j, p)
        {
            printf("%s", j > 0 ? ", " : "");
            out_put_person(p);
        }
        printf(")\n");
    }
}

/* lore synonym add ALIAS CANONICAL [--why TEXT] | drop ALIAS | list */
static int cmd_synonym(struct lore *l, int argc, char **argv)
{
    static const struct option opts[] = {{"why", required_argument, NULL, 'w'},
                                         {"json", no_argument, NULL, ARGS_OPT_JSON},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *why = NULL, *sub;
    json_t *req = NULL, *resp = NULL;
    int c, rc;

    args_reset();
    for (;;) {
        c = getopt_long(argc, argv, ":w:h", opts, NULL);
        if (c == -1)
            break;
        if (c == ARGS_OPT_JSON)
            l->json = true;
        else if (c == 'w')
            why = optarg;
        else if (c == 'h')
            return call_help(l);
        else
            return args_bad_option(l->cmd, c, argv);
    }
    sub = optind < argc ? argv[optind] : "list";
    if (strcmp(sub, "list") == 0 && optind + 1 >= argc && why == NULL) {
        req = json_pack("{s:s}", "op", "synonyms");
    } else if (strcmp(sub, "add") == 0 && optind + 3 == argc) {
        req = json_pack("{s:s}", "op", "synonym_add");
        if (args_set_string(req, "alias", argv[optind + 1]) != 0 ||
            args_set_string(req, "canonical", argv[optind + 2]) != 0 ||
            (why != NULL && args_set_string(req, "why", why) != 0)) {
            json_decref(req);
            return args_usage_error(l->cmd, "the tags and --why are UTF-8 text");
        }
    } else if (strcmp(sub, "drop") == 0 && optind + 2 == argc && why == NULL) {
        req = json_pack("{s:s}", "op", "synonym_drop");
        if (args_set_string(req, "alias", argv[optind + 1]) != 0) {
            json_decref(req);
            return args_usage_error(l->cmd, "the tag '%s' is not UTF-8 text", argv[optind + 1]);
        }
    } else {
        return args_usage_error(l->cmd, "usage: lore synonym add ALIAS CANONICAL [--why TEXT] | "
                                        "drop ALIAS | list");
    }
    if (!call_for_people(l, req, &resp, &rc))
        goto out;
    if (strcmp(sub, "list") == 0) {
        synonym_put_list(resp);
    } else {
        printf("#");
        out_put_text(out_jstr(resp, "alias"));
        if (strcmp(sub, "add") == 0) {
            printf(" -> #");
            out_put_text(out_jstr(resp, "canonical"));
        } else {
            printf(" dropped");
        }
        printf(": %s\n%s\n",
               json_is_true(json_object_get(resp, "confirmed")) ? "confirmed"
                                                                : out_jstr(resp, "message"),
               out_jstr(resp, "id"));
    }
out:
    json_decref(resp);
    return rc;
}

const struct lore_command lore_tags_commands[] = {
    {"synonym", cmd_synonym,
     "synonym add ALIAS CANONICAL [--why TEXT] | synonym drop ALIAS | synonym [list] [--json]",
     "Tag synonyms: read one tag (k8s) as another (kubernetes) everywhere",
     "Options:\n"
     "  -w, --why TEXT    add: why (colleagues see it)\n" JSON_HELP HELP_HELP
     "\nA team admin's `add` applies at once on every node; anyone else's is a proposal\n"
     "that an admin confirms by adding the same. Then every filter reads ALIAS as\n"
     "CANONICAL: list --tag, search, follow, skills, learning goals, who-knows, stats.\n"
     "No chains: CANONICAL may not be an alias itself. `drop` (admins) ends a synonym;\n"
     "a member's drop withdraws their proposals. `list` shows the synonyms and the\n"
     "proposals waiting for an admin. Entries keep the tags they were written with.\n"},
    {NULL, NULL, NULL, NULL, NULL},
};
