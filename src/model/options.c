/* options.c - the run's settings (model/options.h). */
#include "config.h"
#include "model/options.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

void options_free(cli_opts *o)
{
    for (int i = 0; i < o->nfiles; i++) {
        free(o->files[i].path);
        free(o->files[i].tensor);
    }
    free(o->files);
    free(o->globs);
    free(o->scheme_buf);
    memset(o, 0, sizeof *o);
}

int options_selects(const cli_opts *o, int fi, const char *name)
{
    if (fi >= 0 && fi < o->nfiles && o->files[fi].tensor &&
        !util_glob(o->files[fi].tensor, name))
        return 0;
    if (o->nglobs == 0)
        return 1;
    for (int i = 0; i < o->nglobs; i++)
        if (util_glob(o->globs[i], name))
            return 1;
    return 0;
}
