/* sidefile.c - paths of the files a model names beside itself (sidefile.h). */
#include "config.h"
#include "io/sidefile.h"

#include <stdlib.h>
#include <string.h>

char *sidefile_normalise(const char *name, const char **why)
{
    *why = NULL;
    size_t n = strlen(name);
    char *out = util_malloc(n + 1);
    size_t o = 0;
    if (name[0] == '/')
        *why = "is an absolute path: it must name a file inside the model's directory";
    for (const char *p = name; !*why && *p;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            *why = "has a '..' component: it would leave the model's directory";
        else if (len && !(len == 1 && p[0] == '.')) {
            if (o)
                out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    out[o] = '\0';
    if (!*why && (o == 0 || name[n - 1] == '/'))
        *why = "names no file";
    if (*why) {
        free(out);
        return NULL;
    }
    return out;
}

char *sidefile_path(const char *model, const char *name, const char *what, util_err *err)
{
    const char *why;
    char *out = sidefile_normalise(name, &why);
    if (!out) {
        char *esc = util_escape_dup(name);
        util_err_set(err, "%s: %s '%s' %s", model, what, esc, why);
        free(esc);
        return NULL;
    }
    const char *slash = strrchr(model, '/');
    char *path = slash ? util_asprintf("%.*s/%s", (int)(slash - model), model, out) : util_strdup(out);
    free(out);
    return path;
}
