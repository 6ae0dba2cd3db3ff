/*
 * gen_hostile.c - write the hostile corpus of issue 10 (tests/cli/hostile.sh).
 *
 *   gen_hostile DIR CANARY
 *
 * DIR (created if missing) receives small valid weight files in every format
 * apotview reads, written here from the format specifications with nothing
 * but libc (none of apotview's own writers or loaders), whose tensor names,
 * metadata, file names and directory names are hostile: shell and gnuplot
 * command substitution that would create CANARY (an absolute path), gnuplot
 * string breakouts, datablock terminators, terminal escape sequences, C1
 * controls, invalid UTF-8, LaTeX and enhanced-text specials, printf
 * conversions and a 10 kB name. Where a name cannot hold a '/' (a file
 * name), the payload says $APV_CANARY instead, and where it must be short
 * (a compare figure's legend keeps 18 bytes of a name) $AC: the test
 * exports both as the canary path, and the shell that would run the
 * payload expands it. One short payload writes a file named CANARY in the
 * working directory instead; the test looks for any file of that name.
 *
 *   DIR/npy/NAME.npy             one file per hostile name (name = file name)
 *   DIR/hostile.npz              stored zip members NAME.npy (raw name bytes)
 *   DIR/hostile.safetensors      JSON header names + __metadata__
 *   DIR/sharded/                 model.safetensors.index.json, two shards
 *                                (the second with a hostile file name)
 *   DIR/hostile.pt               PyTorch >= 1.6 zip (archive/data.pkl, ...)
 *   DIR/legacy.pt                PyTorch legacy (5 pickles + raw storages)
 *   DIR/hostile.gguf             GGUF v3, hostile keys, values, names
 *   DIR/npy2/NAME.npy            the same names, other values (compare: the
 *                                legend then shows the file names)
 *   DIR/cmp/K.a.EXT, K.b.EXT     one tensor each, hostile names K and K + 1
 *                                (for --figure=compare, whose legend then
 *                                shows the tensor names)
 *   DIR/out/...                  hostile directories to export into
 *   DIR/manifest.json            what was written: every path, tensor name
 *                                and metadata pair as hex bytes
 *
 * Every tensor is float32 [8, 16]: a deterministic bell-shaped sample with
 * a few outliers and one wide channel (row 5), so every figure has
 * something to draw.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "kit.h" /* the kit's rng and .npy header (libc only) */

#define ROWS 8
#define COLS 16
#define NVAL (ROWS * COLS)

/* ---- growable byte buffers ------------------------------------------------ */

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static void die(const char *what)
{
    fprintf(stderr, "gen_hostile: %s: %s\n", what, strerror(errno));
    exit(99);
}

static void b_put(buf *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n + 1)
            c *= 2;
        unsigned char *q = realloc(b->p, c);
        if (!q)
            die("realloc");
        b->p = q;
        b->cap = c;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void b_str(buf *b, const char *s) { b_put(b, s, strlen(s)); }
static void b_u8(buf *b, unsigned v) { unsigned char c = (unsigned char)v; b_put(b, &c, 1); }

static void b_le(buf *b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        b_u8(b, (unsigned)(v >> (8 * i)) & 0xff);
}

static void b_free(buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void b_dec(buf *b, uint64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    b_str(b, t);
}

static void write_file(const char *path, const buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path);
    if ((b->n && fwrite(b->p, 1, b->n, f) != b->n) || fclose(f) != 0)
        die(path);
}

static char *cat3(const char *a, const char *b, const char *c)
{
    buf o = { 0 };
    b_str(&o, a);
    b_str(&o, b);
    b_str(&o, c);
    return (char *)o.p;
}

static void mkdir_p(const char *path)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        die(path);
}

/* ---- the hostile strings ------------------------------------------------------ */

typedef struct hname {
    const char *id;     /* a plain label for messages */
    unsigned char *s;   /* the bytes (NUL-terminated, no NUL inside) */
    size_t n;
    int valid_utf8;
} hname;

/* s with every "@C@" replaced by canary. */
static unsigned char *subst(const char *s, const char *canary, size_t *len)
{
    buf o = { 0 };
    b_put(&o, "", 0);
    for (const char *p = s; *p;) {
        if (strncmp(p, "@C@", 3) == 0) {
            b_str(&o, canary);
            p += 3;
        } else
            b_put(&o, p++, 1);
    }
    *len = o.n;
    return o.p;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0)
            k = 1, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0)
            k = 2, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0)
            k = 3, cp = c & 0x07;
        else
            return 0;
        if (i + k >= n)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

#define NNAMES 25
#define LONG_LEN 10240

/*
 * The hostile names. canary is what a payload touches: the absolute canary
 * path, or "$APV_CANARY" where the name must not hold a '/'. With for_file,
 * the names fit a file name (no '/', at most 255 bytes with ".npy").
 */
static void make_names(hname *h, const char *canary, int for_file)
{
    static const struct { const char *id, *tmpl; } t[NNAMES - 1] = {
        { "backquote", "w`touch @C@`x" },
        { "system", "system(\"touch @C@\")" },
        { "dollar-paren", "$(touch @C@)" },
        { "single-quote", "'; system('touch @C@'); '" },
        { "double-quote", "\" . system(\"touch @C@\") . \"" },
        { "at-macro", "@x" },
        { "backslash-end", "w\\" },
        { "newline", "nl\nline" },
        { "cr", "cr\rline" },
        { "eod", "\nEOD\n!touch @C@\n" },
        { "osc-title", "\x1b]0;PWNED\x07" },
        { "csi-clear", "\x1b[2Jclear" },
        { "c1-csi", "c1\xc2\x9b" "31mred" },
        { "invalid-utf8", "bad\xff\xfe.end" },
        { "raw-c1-byte", "raw\x9b" "2J" },
        { "latex-input", "\\input{/etc/passwd}" },
        { "latex-specials", "tex $x_1^2$ 100% #1 &~" },
        { "enhanced-text", "enh {/Symbol a}^{2}_{x} @ & ~ {}" },
        { "printf", "fmt %s%n%x%p" },
        { "tab", "tab\there" },
        /* at most 18 bytes: what a compare figure's legend keeps whole */
        { "short-backquote", "w`>$AC`x" },
        { "short-dquote", "\".system(\">$AC\").\"" },
        { "short-squote", "'.system('>$AC').'" },
        /* no '$' (LaTeX output escapes it): a file CANARY in gnuplot's
         * working directory, which the test looks for too */
        { "short-relative", "w`>CANARY`x" },
    };
    for (int i = 0; i < NNAMES - 1; i++) {
        const char *tm = t[i].tmpl;
        if (for_file && strcmp(t[i].id, "latex-input") == 0)
            tm = "\\input{passwd}";
        if (for_file && strcmp(t[i].id, "enhanced-text") == 0)
            tm = "enh {Symbol a}^{2}_{x} @ & ~ {}";
        h[i].id = t[i].id;
        h[i].s = subst(tm, canary, &h[i].n);
    }
    /* The long name: a payload, then padding to 10 kB (200 bytes as a file). */
    hname *l = &h[NNAMES - 1];
    size_t want = for_file ? 200 : LONG_LEN;
    l->id = "long";
    l->s = subst("long`touch @C@`", canary, &l->n);
    buf o = { 0 };
    b_put(&o, l->s, l->n);
    while (o.n < want)
        b_u8(&o, "yz"[o.n % 2]);
    free(l->s);
    l->s = o.p;
    l->n = o.n;
    for (int i = 0; i < NNAMES; i++)
        h[i].valid_utf8 = utf8_valid(h[i].s, h[i].n);
}

/* ---- tensors ------------------------------------------------------------------ */

typedef struct tensor {
    const hname *name;
    float v[NVAL];
} tensor;

static void fill(tensor *t, uint32_t seed)
{
    tu_rng r = { seed * 2654435761u + 12345u };
    for (int i = 0; i < NVAL; i++) {
        double s = 0;
        for (int k = 0; k < 4; k++) /* Irwin-Hall: bell-shaped in [-2, 2] */
            s += tu_uniform(&r);
        double v = (s - 2.0) * 0.02 * (1 + (seed % 5) * 0.25);
        if (i / COLS == 5)
            v *= 6; /* a wide channel */
        if (i % 29 == 3)
            v *= 4; /* outliers */
        t->v[i] = (float)(v + 0.0005 * (double)(seed % 7));
    }
}

static void put_f32(buf *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    b_le(b, u, 4);
}

static void put_data(buf *b, const tensor *t)
{
    for (int i = 0; i < NVAL; i++)
        put_f32(b, t->v[i]);
}

/* ---- the manifest ------------------------------------------------------------- */

static buf manifest;
static int manifest_files;

static void m_hex(const unsigned char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    b_str(&manifest, "\"");
    for (size_t i = 0; i < n; i++) {
        b_u8(&manifest, (unsigned)hx[s[i] >> 4]);
        b_u8(&manifest, (unsigned)hx[s[i] & 15]);
    }
    b_str(&manifest, "\"");
}

typedef struct meta {
    const unsigned char *k, *v;
    size_t kn, vn;
} meta;

/* path relative to the corpus directory. */
static void m_file(const char *rel, const char *format, const tensor *t, size_t nt,
                   const meta *md, size_t nm)
{
    b_str(&manifest, manifest_files++ ? ",\n  " : "\n  ");
    b_str(&manifest, "{\"path\": ");
    m_hex((const unsigned char *)rel, strlen(rel));
    b_str(&manifest, ", \"format\": \"");
    b_str(&manifest, format);
    b_str(&manifest, "\", \"names\": [");
    for (size_t i = 0; i < nt; i++) {
        if (i)
            b_str(&manifest, ", ");
        m_hex(t[i].name->s, t[i].name->n);
    }
    b_str(&manifest, "], \"meta\": [");
    for (size_t i = 0; i < nm; i++) {
        b_str(&manifest, i ? ", [" : "[");
        m_hex(md[i].k, md[i].kn);
        b_str(&manifest, ", ");
        m_hex(md[i].v, md[i].vn);
        b_str(&manifest, "]");
    }
    b_str(&manifest, "]}");
}

/* ---- .npy ------------------------------------------------------------------------ */

static void npy_bytes(buf *b, const tensor *t)
{
    char shape[32];
    snprintf(shape, sizeof shape, "(%d, %d)", ROWS, COLS);
    unsigned char hdr[256];
    b_put(b, hdr, tu_npy_header(hdr, sizeof hdr, 1, "<f4", 0, shape));
    put_data(b, t);
}

/* ---- zip (stored members) ------------------------------------------------------- */

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

typedef struct zip {
    buf out, cd;
    unsigned count;
} zip;

#define DOS_TIME 0
#define DOS_DATE ((2020 - 1980) << 9 | 1 << 5 | 1)

/* Flag bit 11 (the name is UTF-8) is set as Python's zipfile (numpy.savez,
 * torch.save) sets it: for a name that is not ASCII. A name that is not
 * UTF-8 either goes unmarked (a CP437 name, as the zip specification
 * says). */
static int is_ascii(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80)
            return 0;
    return 1;
}

static void zip_add(zip *z, const unsigned char *name, size_t nl, const buf *data)
{
    uint32_t crc = crc32_of(data->p, data->n);
    unsigned flags = !is_ascii(name, nl) && utf8_valid(name, nl) ? 0x800 : 0;
    uint64_t off = z->out.n;
    /* local file header */
    b_le(&z->out, 0x04034b50u, 4);
    b_le(&z->out, 20, 2);       /* version needed */
    b_le(&z->out, flags, 2);    /* no data descriptor; UTF-8 or not */
    b_le(&z->out, 0, 2);        /* stored */
    b_le(&z->out, DOS_TIME, 2);
    b_le(&z->out, DOS_DATE, 2);
    b_le(&z->out, crc, 4);
    b_le(&z->out, data->n, 4);  /* compressed size */
    b_le(&z->out, data->n, 4);  /* uncompressed size */
    b_le(&z->out, nl, 2);
    b_le(&z->out, 0, 2);        /* extra length */
    b_put(&z->out, name, nl);
    b_put(&z->out, data->p, data->n);
    /* central directory header */
    b_le(&z->cd, 0x02014b50u, 4);
    b_le(&z->cd, 0x031e, 2);    /* made by: Unix, 3.0 */
    b_le(&z->cd, 20, 2);
    b_le(&z->cd, flags, 2);
    b_le(&z->cd, 0, 2);
    b_le(&z->cd, DOS_TIME, 2);
    b_le(&z->cd, DOS_DATE, 2);
    b_le(&z->cd, crc, 4);
    b_le(&z->cd, data->n, 4);
    b_le(&z->cd, data->n, 4);
    b_le(&z->cd, nl, 2);
    b_le(&z->cd, 0, 2);         /* extra */
    b_le(&z->cd, 0, 2);         /* comment */
    b_le(&z->cd, 0, 2);         /* disk */
    b_le(&z->cd, 0, 2);         /* internal attributes */
    b_le(&z->cd, 0100644u << 16, 4); /* external: a regular file, rw-r--r-- */
    b_le(&z->cd, off, 4);
    b_put(&z->cd, name, nl);
    z->count++;
}

static void zip_finish(zip *z, const char *path)
{
    uint64_t cdoff = z->out.n;
    b_put(&z->out, z->cd.p, z->cd.n);
    b_le(&z->out, 0x06054b50u, 4);
    b_le(&z->out, 0, 2);
    b_le(&z->out, 0, 2);
    b_le(&z->out, z->count, 2);
    b_le(&z->out, z->count, 2);
    b_le(&z->out, z->cd.n, 4);
    b_le(&z->out, cdoff, 4);
    b_le(&z->out, 0, 2);
    write_file(path, &z->out);
    b_free(&z->out);
    b_free(&z->cd);
}

static void write_npz(const char *path, const tensor *t, size_t nt)
{
    zip z = { 0 };
    for (size_t i = 0; i < nt; i++) {
        buf d = { 0 }, nm = { 0 };
        npy_bytes(&d, &t[i]);
        b_put(&nm, t[i].name->s, t[i].name->n);
        b_str(&nm, ".npy");
        zip_add(&z, nm.p, nm.n, &d);
        b_free(&d);
        b_free(&nm);
    }
    zip_finish(&z, path);
}

/* ---- safetensors ----------------------------------------------------------------- */

/* s as a JSON string (s must be valid UTF-8). */
static void json_str(buf *b, const unsigned char *s, size_t n)
{
    b_u8(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c == '"' || c == '\\') {
            b_u8(b, '\\');
            b_u8(b, c);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            b_str(b, e);
        } else
            b_u8(b, c);
    }
    b_u8(b, '"');
}

static void st_bytes(buf *b, const tensor *t, size_t nt, const meta *md, size_t nm)
{
    buf h = { 0 };
    b_str(&h, "{");
    if (nm) {
        b_str(&h, "\"__metadata__\": {");
        for (size_t i = 0; i < nm; i++) {
            if (i)
                b_str(&h, ", ");
            json_str(&h, md[i].k, md[i].kn);
            b_str(&h, ": ");
            json_str(&h, md[i].v, md[i].vn);
        }
        b_str(&h, "}");
    }
    for (size_t i = 0; i < nt; i++) {
        b_str(&h, i || nm ? ", " : "");
        json_str(&h, t[i].name->s, t[i].name->n);
        b_str(&h, ": {\"dtype\": \"F32\", \"shape\": [");
        b_dec(&h, ROWS);
        b_str(&h, ", ");
        b_dec(&h, COLS);
        b_str(&h, "], \"data_offsets\": [");
        b_dec(&h, i * NVAL * 4);
        b_str(&h, ", ");
        b_dec(&h, (i + 1) * NVAL * 4);
        b_str(&h, "]}");
    }
    b_str(&h, "}");
    while ((8 + h.n) % 8) /* the data starts 8-aligned, as the writers do */
        b_u8(&h, ' ');
    b_le(b, h.n, 8);
    b_put(b, h.p, h.n);
    for (size_t i = 0; i < nt; i++)
        put_data(b, &t[i]);
    b_free(&h);
}

static void write_st(const char *path, const tensor *t, size_t nt, const meta *md, size_t nm)
{
    buf b = { 0 };
    st_bytes(&b, t, nt, md, nm);
    write_file(path, &b);
    b_free(&b);
}

/* ---- pickle (protocol 2) ------------------------------------------------------ */

/* A string: BINUNICODE (4-byte length, UTF-8), or for bytes that are not
 * UTF-8 a BINSTRING (a Python 2 str, as old checkpoints hold). */
static void pk_unicode(buf *b, const unsigned char *s, size_t n)
{
    b_u8(b, utf8_valid(s, n) ? 'X' : 'T');
    b_le(b, n, 4);
    b_put(b, s, n);
}

static void pk_int(buf *b, uint32_t v)
{
    b_u8(b, 'J'); /* BININT */
    b_le(b, v, 4);
}

static void pk_global(buf *b, const char *mod, const char *name)
{
    b_u8(b, 'c');
    b_str(b, mod);
    b_u8(b, '\n');
    b_str(b, name);
    b_u8(b, '\n');
}

/* torch._utils._rebuild_tensor_v2(persistent_load(('storage', FloatStorage,
 * key, 'cpu', NVAL[, None])), 0, (ROWS, COLS), (COLS, 1), False, OrderedDict()) */
static void pk_tensor(buf *b, const char *key, int legacy)
{
    pk_global(b, "torch._utils", "_rebuild_tensor_v2");
    b_u8(b, '(');
    b_u8(b, '(');
    pk_unicode(b, (const unsigned char *)"storage", 7);
    pk_global(b, "torch", "FloatStorage");
    pk_unicode(b, (const unsigned char *)key, strlen(key));
    pk_unicode(b, (const unsigned char *)"cpu", 3);
    pk_int(b, NVAL);
    if (legacy)
        b_u8(b, 'N'); /* no view */
    b_u8(b, 't');
    b_u8(b, 'Q'); /* BINPERSID */
    pk_int(b, 0);
    pk_int(b, ROWS);
    pk_int(b, COLS);
    b_u8(b, 0x86); /* TUPLE2 */
    pk_int(b, COLS);
    pk_int(b, 1);
    b_u8(b, 0x86);
    b_u8(b, 0x89); /* NEWFALSE */
    pk_global(b, "collections", "OrderedDict");
    b_u8(b, ')');
    b_u8(b, 'R');
    b_u8(b, 't');
    b_u8(b, 'R');
}

/* The state dict: OrderedDict of name -> tensor (storage key = index),
 * then metadata entries key -> string. */
static void pk_state(buf *b, const tensor *t, size_t nt, const meta *md, size_t nm, int legacy)
{
    b_put(b, "\x80\x02", 2);
    pk_global(b, "collections", "OrderedDict");
    b_u8(b, ')');
    b_u8(b, 'R');
    b_u8(b, '(');
    for (size_t i = 0; i < nt; i++) {
        char key[24];
        snprintf(key, sizeof key, "%zu", i);
        pk_unicode(b, t[i].name->s, t[i].name->n);
        pk_tensor(b, key, legacy);
    }
    for (size_t i = 0; i < nm; i++) {
        pk_unicode(b, md[i].k, md[i].kn);
        pk_unicode(b, md[i].v, md[i].vn);
    }
    b_u8(b, 'u'); /* SETITEMS */
    b_u8(b, '.');
}

static void write_ptzip(const char *path, const tensor *t, size_t nt, const meta *md, size_t nm)
{
    zip z = { 0 };
    buf d = { 0 };
    pk_state(&d, t, nt, md, nm, 0);
    zip_add(&z, (const unsigned char *)"archive/data.pkl", 16, &d);
    b_free(&d);
    b_str(&d, "little");
    zip_add(&z, (const unsigned char *)"archive/byteorder", 17, &d);
    b_free(&d);
    for (size_t i = 0; i < nt; i++) {
        char en[40];
        snprintf(en, sizeof en, "archive/data/%zu", i);
        put_data(&d, &t[i]);
        zip_add(&z, (const unsigned char *)en, strlen(en), &d);
        b_free(&d);
    }
    b_str(&d, "3\n");
    zip_add(&z, (const unsigned char *)"archive/version", 15, &d);
    b_free(&d);
    zip_finish(&z, path);
}

static void write_ptlegacy(const char *path, const tensor *t, size_t nt, const meta *md, size_t nm)
{
    buf b = { 0 };
    /* 1: the magic number 0x1950a86a20f9469cfc6c as a LONG1 */
    b_put(&b, "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
    /* 2: the protocol version 1001 */
    b_put(&b, "\x80\x02M\xe9\x03.", 6);
    /* 3: sys_info */
    b_put(&b, "\x80\x02}(", 4);
    pk_unicode(&b, (const unsigned char *)"protocol_version", 16);
    b_put(&b, "M\xe9\x03", 3);
    pk_unicode(&b, (const unsigned char *)"little_endian", 13);
    b_u8(&b, 0x88);
    b_put(&b, "u.", 2);
    /* 4: the data */
    pk_state(&b, t, nt, md, nm, 1);
    /* 5: the storage keys */
    b_put(&b, "\x80\x02(", 3);
    for (size_t i = 0; i < nt; i++) {
        char key[24];
        snprintf(key, sizeof key, "%zu", i);
        pk_unicode(&b, (const unsigned char *)key, strlen(key));
    }
    b_put(&b, "l.", 2);
    /* the storages: an 8-byte element count, then the elements */
    for (size_t i = 0; i < nt; i++) {
        b_le(&b, NVAL, 8);
        put_data(&b, &t[i]);
    }
    write_file(path, &b);
    b_free(&b);
}

/* ---- GGUF v3 ----------------------------------------------------------------------- */

static void gg_str(buf *b, const unsigned char *s, size_t n)
{
    b_le(b, n, 8);
    b_put(b, s, n);
}

static void write_gguf(const char *path, const tensor *t, size_t nt, const meta *md, size_t nm,
                       const hname *arr, size_t narr)
{
    buf b = { 0 };
    b_str(&b, "GGUF");
    b_le(&b, 3, 4);
    b_le(&b, nt, 8);
    b_le(&b, nm + (narr ? 2 : 1), 8);
    gg_str(&b, (const unsigned char *)"general.architecture", 20);
    b_le(&b, 8, 4);
    gg_str(&b, (const unsigned char *)"llama", 5);
    for (size_t i = 0; i < nm; i++) {
        gg_str(&b, md[i].k, md[i].kn);
        b_le(&b, 8, 4); /* string */
        gg_str(&b, md[i].v, md[i].vn);
    }
    if (narr) {
        gg_str(&b, (const unsigned char *)"tokenizer.ggml.tokens", 21);
        b_le(&b, 9, 4); /* array */
        b_le(&b, 8, 4); /* of strings */
        b_le(&b, narr, 8);
        for (size_t i = 0; i < narr; i++)
            gg_str(&b, arr[i].s, arr[i].n);
    }
    for (size_t i = 0; i < nt; i++) {
        gg_str(&b, t[i].name->s, t[i].name->n);
        b_le(&b, 2, 4);
        b_le(&b, COLS, 8); /* ne[0]: the innermost dimension */
        b_le(&b, ROWS, 8);
        b_le(&b, 0, 4);    /* GGML_TYPE_F32 */
        b_le(&b, i * NVAL * 4, 8); /* NVAL * 4 = 512: a multiple of 32 */
    }
    while (b.n % 32)
        b_u8(&b, 0);
    for (size_t i = 0; i < nt; i++)
        put_data(&b, &t[i]);
    write_file(path, &b);
    b_free(&b);
}

/* ---- the corpus ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc != 3 || argv[2][0] != '/') {
        fprintf(stderr, "usage: gen_hostile DIR /ABSOLUTE/CANARY\n");
        return 2;
    }
    const char *dir = argv[1], *canary = argv[2];
    crc_init();
    mkdir_p(dir);

    hname H[NNAMES], F[NNAMES];
    make_names(H, canary, 0);
    make_names(F, "$APV_CANARY", 1);

    /* Tensors: every hostile name; the valid UTF-8 ones for JSON formats. */
    static tensor all[NNAMES], valid[NNAMES];
    size_t nvalid = 0;
    for (int i = 0; i < NNAMES; i++) {
        all[i].name = &H[i];
        fill(&all[i], (uint32_t)i + 1);
        if (H[i].valid_utf8) {
            valid[nvalid] = all[i];
            nvalid++;
        }
    }
    /* Metadata: "m" + name -> the next name; the valid UTF-8 pairs for JSON. */
    static meta mall[NNAMES], mvalid[NNAMES];
    static buf mkeys[NNAMES];
    size_t nmvalid = 0;
    for (int i = 0; i < NNAMES; i++) {
        const hname *v = &H[(i + 1) % NNAMES];
        b_str(&mkeys[i], "m");
        b_put(&mkeys[i], H[i].s, H[i].n);
        mall[i] = (meta){ mkeys[i].p, v->s, mkeys[i].n, v->n };
        if (H[i].valid_utf8 && v->valid_utf8)
            mvalid[nmvalid++] = mall[i];
    }

    b_str(&manifest, "{\"canary\": ");
    m_hex((const unsigned char *)canary, strlen(canary));
    b_str(&manifest, ", \"names\": [");
    for (int i = 0; i < NNAMES; i++) {
        b_str(&manifest, i ? ", [\"" : "[\"");
        b_str(&manifest, H[i].id);
        b_str(&manifest, "\", ");
        m_hex(H[i].s, H[i].n);
        b_str(&manifest, "]");
    }
    b_str(&manifest, "],\n \"files\": [");

    char *p;
    /* .npy: the file name is the tensor name */
    for (int i = 0; i < 2 * NNAMES; i++) {
        const char *sub = i < NNAMES ? "npy" : "npy2";
        if (i % NNAMES == 0) {
            p = cat3(dir, "/", sub);
            mkdir_p(p);
            free(p);
        }
        tensor t;
        t.name = &F[i % NNAMES];
        fill(&t, (uint32_t)i + 101);
        buf rel = { 0 }, b = { 0 };
        b_str(&rel, sub);
        b_str(&rel, "/");
        b_put(&rel, F[i % NNAMES].s, F[i % NNAMES].n);
        b_str(&rel, ".npy");
        char *full = cat3(dir, "/", (char *)rel.p);
        npy_bytes(&b, &t);
        write_file(full, &b);
        m_file((char *)rel.p, "npy", &t, 1, NULL, 0);
        free(full);
        b_free(&rel);
        b_free(&b);
    }

    p = cat3(dir, "/hostile.npz", "");
    write_npz(p, all, NNAMES);
    free(p);
    m_file("hostile.npz", "npz", all, NNAMES, NULL, 0);

    p = cat3(dir, "/hostile.safetensors", "");
    write_st(p, valid, nvalid, mvalid, nmvalid);
    free(p);
    m_file("hostile.safetensors", "safetensors", valid, nvalid, mvalid, nmvalid);

    /* sharded: the first half of the names in shard 1, the rest in shard 2
     * (a hostile file name); the index's metadata is hostile too. */
    {
        p = cat3(dir, "/sharded", "");
        mkdir_p(p);
        free(p);
        size_t half = nvalid / 2;
        const char *s1 = "model-00001-of-00002.safetensors";
        const unsigned char *s2 = F[0].s; /* w`touch $APV_CANARY`x */
        buf s2n = { 0 };
        b_str(&s2n, "model-");
        b_put(&s2n, s2, F[0].n);
        b_str(&s2n, "-00002.safetensors");
        meta fm = { (const unsigned char *)"format", (const unsigned char *)"pt", 6, 2 };
        char *p1 = cat3(dir, "/sharded/", s1), *p2 = cat3(dir, "/sharded/", (char *)s2n.p);
        write_st(p1, valid, half, &fm, 1);
        write_st(p2, valid + half, nvalid - half, &fm, 1);
        free(p1);
        free(p2);
        buf ix = { 0 };
        b_str(&ix, "{\n  \"metadata\": {\"total_size\": ");
        b_dec(&ix, (uint64_t)nvalid * NVAL * 4);
        for (size_t i = 0; i < nmvalid; i++) {
            b_str(&ix, ", ");
            json_str(&ix, mvalid[i].k, mvalid[i].kn);
            b_str(&ix, ": ");
            json_str(&ix, mvalid[i].v, mvalid[i].vn);
        }
        b_str(&ix, "},\n  \"weight_map\": {");
        for (size_t i = 0; i < nvalid; i++) {
            b_str(&ix, i ? ",\n    " : "\n    ");
            json_str(&ix, valid[i].name->s, valid[i].name->n);
            b_str(&ix, ": ");
            if (i < half)
                json_str(&ix, (const unsigned char *)s1, strlen(s1));
            else
                json_str(&ix, s2n.p, s2n.n);
        }
        b_str(&ix, "\n  }\n}\n");
        p = cat3(dir, "/sharded/model.safetensors.index.json", "");
        write_file(p, &ix);
        free(p);
        b_free(&ix);
        b_free(&s2n);
        /* the index metadata keys are checked; its values are shown as JSON */
        m_file("sharded", "sharded", valid, nvalid, mvalid, nmvalid);
    }

    p = cat3(dir, "/hostile.pt", "");
    write_ptzip(p, all, NNAMES, mall, NNAMES);
    free(p);
    m_file("hostile.pt", "torch", all, NNAMES, mall, NNAMES);

    p = cat3(dir, "/legacy.pt", "");
    write_ptlegacy(p, all, NNAMES, mall, NNAMES);
    free(p);
    m_file("legacy.pt", "torch-legacy", all, NNAMES, mall, NNAMES);

    /* GGUF: metadata with hostile keys and values, general.name, an array */
    {
        static meta gm[NNAMES + 1];
        gm[0] = (meta){ (const unsigned char *)"general.name", H[0].s, 12, H[0].n };
        memcpy(gm + 1, mall, sizeof mall);
        p = cat3(dir, "/hostile.gguf", "");
        write_gguf(p, all, NNAMES, gm, NNAMES + 1, H, NNAMES);
        free(p);
        m_file("hostile.gguf", "gguf", all, NNAMES, gm, NNAMES + 1);
    }

    /* compare pairs: a tensor named K (safetensors, or for a name that is
     * not UTF-8 a PyTorch zip) against one named K + 1 (GGUF). */
    p = cat3(dir, "/cmp", "");
    mkdir_p(p);
    free(p);
    for (int i = 0; i < NNAMES; i++) {
        tensor a, b;
        a.name = &H[i];
        b.name = &H[(i + 1) % NNAMES];
        fill(&a, (uint32_t)i + 201);
        fill(&b, (uint32_t)i + 301);
        char ra[64], rb[64];
        snprintf(ra, sizeof ra, "cmp/%02d.a.%s", i, H[i].valid_utf8 ? "safetensors" : "pt");
        snprintf(rb, sizeof rb, "cmp/%02d.b.gguf", i);
        char *pa = cat3(dir, "/", ra), *pb = cat3(dir, "/", rb);
        if (H[i].valid_utf8) {
            write_st(pa, &a, 1, NULL, 0);
            m_file(ra, "safetensors", &a, 1, NULL, 0);
        } else {
            write_ptzip(pa, &a, 1, NULL, 0);
            m_file(ra, "torch", &a, 1, NULL, 0);
        }
        write_gguf(pb, &b, 1, NULL, 0, NULL, 0);
        m_file(rb, "gguf", &b, 1, NULL, 0);
        free(pa);
        free(pb);
    }

    /* An error path: a tensor with a hostile name and an unknown dtype (the
     * message names it). */
    {
        buf h = { 0 }, b = { 0 };
        b_str(&h, "{");
        json_str(&h, H[10].s, H[10].n); /* ESC ] 0 ; PWNED BEL */
        b_str(&h, ": {\"dtype\": \"X9\", \"shape\": [4], \"data_offsets\": [0, 16]}}");
        b_le(&b, h.n, 8);
        b_put(&b, h.p, h.n);
        for (int i = 0; i < 16; i++)
            b_u8(&b, 0);
        p = cat3(dir, "/bad_dtype.safetensors", "");
        write_file(p, &b);
        free(p);
        b_free(&h);
        b_free(&b);
    }

    /* directories to export into */
    static const char *const outdirs[] = {
        "d`touch $APV_CANARY`", "$(touch $APV_CANARY)", "it's", "say \"hi\"", "a space",
        "back\\slash", "nl\nEOD\n!touch $APV_CANARY", "\x1b]0;PWNED\x07",
    };
    p = cat3(dir, "/out", "");
    mkdir_p(p);
    free(p);
    for (size_t i = 0; i < sizeof outdirs / sizeof outdirs[0]; i++) {
        p = cat3(dir, "/out/", outdirs[i]);
        mkdir_p(p);
        free(p);
    }

    b_str(&manifest, "\n]}\n");
    p = cat3(dir, "/manifest.json", "");
    write_file(p, &manifest);
    free(p);
    b_free(&manifest);
    for (int i = 0; i < NNAMES; i++) {
        free(H[i].s);
        free(F[i].s);
        b_free(&mkeys[i]);
    }
    return 0;
}
