/* web_static: the files the web interface serves as they are, built into the binary (no outside
 * resource of any kind: the CSP allows only 'self'). */
#ifndef LORE_WEB_STATIC_H
#define LORE_WEB_STATIC_H

/* /static/lore.css */
extern const char web_static_css[];
/* /static/lore.js: web/static/lore.js, built in by web/embed.cmake */
extern const char web_static_js[];
/* /favicon.ico (an SVG image) */
extern const char web_static_favicon[];

/* A file served as it is: its path, its Content-Type, its bytes (NUL-terminated text). */
struct web_asset {
    const char *path, *type, *body;
};

/* Every static file, ended by a NULL path: what a page loads besides its HTML (the CSS and the
 * script its head names, the favicon the browser asks for). They hold nothing private, so they
 * are served without a session (web.c). */
extern const struct web_asset web_static_assets[];

/* The static file at path, or NULL. */
const struct web_asset *web_static_find(const char *path);

#endif
