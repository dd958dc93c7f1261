#include "web_static.h"

#include <stddef.h>
#include <string.h>

/* Readable on a narrow window, system fonts, contrast above 4.5:1 (WCAG AA). */
const char web_static_css[] =
    ":root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#555;--line:#ccc;"
    "--accent:#0b57a4;--mark:#ffe28a;--ok:#1e7b34;--bad:#b00020}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#161616;--muted:#bbb;--line:#444;"
    "--accent:#8cc4ff;--mark:#6b5400;--ok:#7bd88f;--bad:#ff8a80}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}\n"
    "header{border-bottom:1px solid var(--line);padding:.5rem 1rem}\n"
    "nav{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}\n"
    "nav form{display:flex;gap:.25rem;align-items:center;margin:0}\n"
    ".logout{margin-left:auto}\n"
    ".brand{font-weight:700}\n"
    "main{max-width:48rem;margin:0 auto;padding:1rem}\n"
    "a{color:var(--accent)}\n"
    "a:focus,button:focus,input:focus,textarea:focus{outline:3px solid var(--accent);"
    "outline-offset:2px}\n"
    "label{display:block;margin-top:.75rem;font-weight:600}\n"
    "nav label{margin:0}\n"
    "label.check{font-weight:400}\n"
    "input,textarea,button{font:inherit;color:inherit;background:var(--bg);"
    "border:1px solid var(--line);border-radius:4px;padding:.35rem .5rem}\n"
    "form.ask input:not([type=checkbox]),form textarea{width:100%}\n"
    "button{margin-top:.75rem;cursor:pointer}\n"
    "nav button{margin:0}\n"
    ".entries{list-style:none;padding:0}\n"
    ".entries li{border-bottom:1px solid var(--line);padding:.5rem 0}\n"
    ".tag{display:inline-block;border:1px solid var(--line);border-radius:3px;padding:0 .3rem;"
    "font-size:.85em}\n"
    ".by,.status,.none{color:var(--muted);font-size:.9em}\n"
    ".reason{font-style:italic;font-size:.9em}\n"
    ".on-yours{padding-left:1.2rem}\n"
    ".urgent{color:var(--bad)}\n"
    "mark{background:var(--mark);color:inherit}\n"
    "article{border-top:1px solid var(--line);padding:.5rem 0}\n"
    ".accepted{border-left:4px solid var(--ok);padding-left:.75rem}\n"
    ".badge{font-weight:600;color:var(--ok)}\n"
    ".comments{font-size:.9em}\n"
    ".error{color:var(--bad);font-weight:600}\n"
    "pre{overflow-x:auto}\n"
    "img{max-width:100%}\n"
    /* The question page's actions (web_actions.c), the history's diffs (web_edit.c), the ask
     * form's hints (lore.js). */
    ".actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;font-size:.9em}\n"
    ".actions form{display:inline-flex;gap:.25rem;margin:0}\n"
    ".actions button{margin:0}\n"
    "details.comment summary{cursor:pointer;color:var(--accent)}\n"
    "pre.diff ins{display:block;text-decoration:none;background:#d7f5dd;color:#0b3d17}\n"
    "pre.diff del{display:block;text-decoration:none;background:#fbe0e0;color:#5c0b0b}\n"
    "pre.diff span{display:block}\n"
    ".similar,.preview,.tag-hints{margin-top:.5rem}\n"
    ".preview{border:1px dashed var(--line);padding:.5rem;min-height:1rem}\n"
    ".tag-hints button{margin:.25rem .25rem 0 0}\n"
    /* the pages of web_people, web_sessions, web_stats, web_team, web_search */
    ".results{padding-left:1.5rem}\n"
    ".results li{border-bottom:1px solid var(--line);padding:.5rem 0}\n"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0}\n"
    "th,td{border-bottom:1px solid var(--line);padding:.3rem .4rem;text-align:left;"
    "vertical-align:top}\n"
    "select{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);"
    "border-radius:4px;padding:.3rem}\n"
    "fieldset{border:1px solid var(--line);border-radius:4px;margin-top:.75rem}\n"
    "form.rsvp,form.skill-remove,form.revoke{display:inline-block;margin-right:.5rem}\n"
    ".online{color:var(--ok);font-weight:600}\n"
    ".why,.level,.rsvps,.key{color:var(--muted);font-size:.9em}\n"
    ".cancelled strong{text-decoration:line-through}\n"
    ".chart{max-width:100%;height:auto}\n"
    ".chart text{fill:var(--fg);font-size:13px}\n"
    "code.join-code{font-size:1.1em;user-select:all}\n"
    /* the pages of web_learn, web_circle, web_needs */
    "form.goal-action,form.thank{display:inline-block;margin-right:.5rem}\n"
    ".goals li,.helpers li{margin-bottom:.5rem}\n"
    ".wide{overflow-x:auto}\n"
    "figure.needs-map{margin:.5rem 0}\n";

/* The browser asks every site for /favicon.ico; without one each page logs a 404 in its
 * console. An SVG (served as image/svg+xml): the brand's colour and an "l". */
const char web_static_favicon[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" "
    "height=\"16\" rx=\"3\" fill=\"#0b57a4\"/><path d=\"M6 3v10h5\" stroke=\"#fff\" "
    "stroke-width=\"2.5\" fill=\"none\"/></svg>\n";

const struct web_asset web_static_assets[] = {
    {"/static/lore.css", "text/css; charset=utf-8", web_static_css},
    {"/static/lore.js", "text/javascript; charset=utf-8", web_static_js},
    {"/favicon.ico", "image/svg+xml", web_static_favicon},
    {NULL, NULL, NULL},
};

const struct web_asset *web_static_find(const char *path)
{
    const struct web_asset *a;

    for (a = web_static_assets; a->path != NULL; a++)
        if (strcmp(a->path, path) == 0)
            return a;
    return NULL;
}
