/* session.c - see session.h. */
#include "config.h"
#include "model/session.h"

#include <limits.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAMPLE_NAME "faceapi_conv64_1_conv1.npy"

static int readable(const char *p)
{
    return access(p, R_OK) == 0;
}

/* The canonical form of an existing path (no "src/../data"). */
static char *canon(char *p)
{
    char *r = realpath(p, NULL);
    if (!r)
        return p;
    free(p);
    return r;
}

char *session_sample_path(void)
{
    const char *env = getenv("APOTVIEW_DATADIR");
    char *p;
    if (env && *env) {
        p = util_asprintf("%s/%s", env, SAMPLE_NAME);
        if (readable(p))
            return p;
        free(p);
    }
    /* next to the binary in a build tree: src/apotview -> ../data */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            p = util_asprintf("%s/../data/%s", exe, SAMPLE_NAME);
            if (readable(p))
                return canon(p);
            free(p);
        }
    }
    p = util_asprintf("%s/data/%s", TOP_SRCDIR, SAMPLE_NAME);
    if (readable(p))
        return canon(p);
    free(p);
    p = util_asprintf("%s/%s", PKGDATADIR, SAMPLE_NAME);
    if (readable(p))
        return p;
    free(p);
    return NULL;
}

static void add_item(session *s, int file, size_t tensor)
{
    /* geometric growth: a model of 200,000 tensors adds them in linear time */
    if ((s->nitems & (s->nitems - 1)) == 0)
        s->items = util_realloc(s->items, (s->nitems ? 2 * s->nitems : 1) * sizeof *s->items);
    s->items[s->nitems].file = file;
    s->items[s->nitems].tensor = tensor;
    s->nitems++;
}

int session_open(session *s, const cli_opts *o, int quiet)
{
    memset(s, 0, sizeof *s);
    loader_opts lo = { .dtype_override = o->dtype_override };
    int nf = o->nfiles;
    char *sample = NULL;
    if (nf == 0) {
        sample = session_sample_path();
        if (!sample) {
            if (!quiet)
                util_warn("the bundled sample %s was not found (set APOTVIEW_DATADIR or name a FILE)",
                        SAMPLE_NAME);
            s->failed = 1;
            return -1;
        }
    }
    s->files = util_calloc((size_t)(nf ? nf : 1), sizeof *s->files);
    for (int i = 0; i < (nf ? nf : 1); i++) {
        const char *path = nf ? o->files[i].path : sample;
        util_err err = { { 0 } };
        loader_file *f = loader_open(path, &lo, &err);
        if (!f) {
            if (!quiet)
                fprintf(stderr, "apotview: %s\n", err.msg);
            s->failed = 1;
            continue;
        }
        int fi = s->nfiles++;
        s->files[fi] = f;
        if (f->ntensors == 0) {
            /* a well-formed container with nothing in it (an empty .npz,
             * a safetensors header of only __metadata__) */
            if (!quiet)
                util_warn("%s: no tensors in this %s file", path, f->fmt->name);
            s->failed = 1;
        }
        size_t before = s->nitems;
        for (size_t t = 0; t < f->ntensors; t++)
            if (options_selects(o, nf ? i : -1, f->tensors[t].name) &&
                f->tensors[t].count >= o->min_count)
                add_item(s, fi, t);
        if (s->nitems == before && (o->nglobs || (nf && o->files[i].tensor))) {
            if (!quiet)
                util_warn("%s: no tensor matches '%s'", path,
                        nf && o->files[i].tensor ? o->files[i].tensor : o->globs[0]);
            s->failed = 1;
        }
    }
    free(sample);
    return s->nfiles ? 0 : -1;
}

void session_close(session *s)
{
    for (int i = 0; i < s->nfiles; i++)
        loader_close(s->files[i]);
    free(s->files);
    free(s->items);
    memset(s, 0, sizeof *s);
}

void *session_read(loader_file *f, size_t t, int as_double, util_err *err)
{
    const loader_tensor *lt = &f->tensors[t];
    if (lt->count > (uint64_t)(SIZE_MAX / sizeof(double))) {
        util_err_set(err, "%s: %s: too many elements (%llu)", f->path, lt->name,
                     (unsigned long long)lt->count);
        return NULL;
    }
    size_t esz = as_double ? sizeof(double) : sizeof(float);
    void *buf = malloc((size_t)(lt->count ? lt->count : 1) * esz);
    if (!buf) {
        util_err_set(err, "%s: %s: out of memory for %llu values", f->path, lt->name,
                     (unsigned long long)lt->count);
        return NULL;
    }
    if (loader_read(f, t, buf, as_double, err) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

const float *session_code_values(dtype_id t, int big_endian)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static float *tab[DT_COUNT][2];
    big_endian = big_endian != 0;
    pthread_mutex_lock(&mu);
    if (!tab[t][big_endian]) {
        float *v = util_mallocarray(65536, sizeof *v);
        for (unsigned c = 0; c < 65536; c++) {
            unsigned char b[2] = { (unsigned char)(c & 0xFF), (unsigned char)(c >> 8) };
            dtype_to_float(t, big_endian, b, 1, &v[c]);
        }
        tab[t][big_endian] = v;
    }
    const float *r = tab[t][big_endian];
    pthread_mutex_unlock(&mu);
    return r;
}

prep *session_prepare_codes(loader_file *f, size_t t, prep_progress *pg, util_err *err, int *done)
{
    const loader_tensor *lt = &f->tensors[t];
    loader_rawview rv;
    *done = 0;
    if (dtype_size(lt->dtype) != 2 || !dtype_fits_float(lt->dtype) || loader_raw(f, t, &rv) < 0)
        return NULL;
    *done = 1;
    prep *p = prep_create_codes16(rv.data, lt->count, session_code_values(lt->dtype, lt->big_endian),
                                  pg, err);
    loader_release(rv.map, rv.offset, rv.nbytes);
    return p;
}

prep *session_prepare(loader_file *f, size_t t, prep_progress *pg, util_err *err)
{
    const loader_tensor *lt = &f->tensors[t];
    int done;
    prep *pc = session_prepare_codes(f, t, pg, err, &done);
    if (done)
        return pc;
    int as_double = !dtype_fits_float(lt->dtype);
    void *buf = session_read(f, t, as_double, err);
    if (!buf)
        return NULL;
    return as_double ? prep_create_double(buf, lt->count, pg, err)
                     : prep_create_float(buf, lt->count, pg, err);
}

void session_shape_str(const loader_tensor *t, char *buf, size_t len)
{
    size_t off = 0;
    off += (size_t)snprintf(buf + off, len - off, "[");
    for (int i = 0; i < t->ndim && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%llu", i ? ", " : "",
                                (unsigned long long)t->shape[i]);
    if (off < len)
        snprintf(buf + off, len - off, "]");
}
