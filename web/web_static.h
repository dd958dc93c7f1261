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

#endif
