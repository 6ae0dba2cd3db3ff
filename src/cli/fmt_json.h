/* fmt_json.h - the JSON building blocks every JSON output of the command
 * line shares (the report's formatter, --compare, --plan). */
#ifndef APOTVIEW_CLI_FMT_JSON_H
#define APOTVIEW_CLI_FMT_JSON_H

#include <jansson.h>

/* A number, null when not finite (JSON has no inf or nan). */
json_t *fmt_json_num(double v);
/* A string from a file (or a path): exact when it is valid UTF-8 (jansson
 * escapes the controls itself), else its escaped form (util_escape), so no
 * tensor or entry is ever dropped. */
json_t *fmt_json_str(const char *s);
/* doc to stdout, ASCII only (every non-ASCII character as \uXXXX, so a C1
 * control or a bidi override in a name is as harmless as the C0 controls
 * jansson always escapes), 17 digits, a newline; doc is released. */
void fmt_json_print(json_t *doc);

#endif
