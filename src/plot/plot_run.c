/*
 * plot_run.c - running gnuplot and the files of an export (plot_run.h):
 * finding the program ($GNUPLOT relative to the user's directory), running
 * it on a script through a pipe with its output captured and a timeout,
 * writing, checking (complete for its format), finishing (PNG pHYs, SVG
 * size in pt), installing and rolling back the outputs.
 */
#include "config.h"
#include "plot/plot_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GNUPLOT_TIMEOUT_MS 120000
#define GNUPLOT_PACKAGE "gnuplot-nox"

/* ---- finding and running gnuplot -------------------------------------------- */

static int is_exec(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* The gnuplot program: $GNUPLOT (a path, or a name searched on PATH), else
 * gnuplot on PATH. NULL with err set when there is none. */
char *plot_find_gnuplot(util_err *err)
{
    const char *env = getenv("GNUPLOT");
    const char *name = env && *env ? env : "gnuplot";
    if (strchr(name, '/')) {
        /* relative to the user's directory, not gnuplot's (it runs in
         * the private directory) */
        if (name[0] != '/') {
            char cwd[PATH_MAX];
            if (getcwd(cwd, sizeof cwd) && is_exec(name))
                return util_asprintf("%s/%s", cwd, name);
        }
        if (is_exec(name))
            return util_strdup(name);
        util_err_set(err, "GNUPLOT=%s is not an executable program; install gnuplot "
                     "(Debian/Ubuntu: apt install %s) or point GNUPLOT at it", name, GNUPLOT_PACKAGE);
        return NULL;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n > 0) {
            char *cand = util_asprintf("%.*s/%s", (int)n, p, name);
            if (is_exec(cand))
                return cand;
            free(cand);
        }
        p += n;
        if (*p == ':')
            p++;
    }
    if (env && *env)
        util_err_set(err, "GNUPLOT=%s was not found: apt install %s, or set GNUPLOT to its full path",
                     name, GNUPLOT_PACKAGE);
    else
        util_err_set(err, "gnuplot was not found: apt install %s (or set GNUPLOT to its path); "
                     "figures are drawn by gnuplot", GNUPLOT_PACKAGE);
    return NULL;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* The last few meaningful lines of gnuplot's output, on one line. */
void plot_log_summary(const char *logpath, char *out, size_t len)
{
    out[0] = '\0';
    FILE *fp = fopen(logpath, "r");
    if (!fp)
        return;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    /* Keep lines that say something: skip blank lines, the echo of the
     * command and the caret that points into it. */
    char *lines[64];
    int nl = 0;
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        while (*l == ' ' || *l == '\t')
            l++;
        size_t m = strlen(l);
        while (m && (l[m - 1] == ' ' || l[m - 1] == '\r' || l[m - 1] == '\t'))
            l[--m] = '\0';
        if (!*l || strcmp(l, "^") == 0)
            continue;
        if (nl == 64) {
            memmove(lines, lines + 1, 63 * sizeof *lines);
            nl = 63;
        }
        lines[nl++] = l;
    }
    int first = nl > 3 ? nl - 3 : 0;
    /* Prefer from the first "line N:" message on (gnuplot's error). */
    for (int i = 0; i < nl; i++)
        if (strstr(lines[i], "line ") && strchr(lines[i], ':')) {
            first = i;
            break;
        }
    size_t off = 0;
    for (int i = first; i < nl && off + 4 < len; i++)
        off += (size_t)snprintf(out + off, len - off, "%s%s", off ? " / " : "", lines[i]);
}

/* Run gnuplot in dir with script on stdin and its output in logpath.
 * 0 on success; -1 with err set. */
int plot_run_gnuplot(const char *prog, const char *dir, const char *script, size_t len,
                       const char *logpath, const struct sigaction *xfsz, util_err *err)
{
    int in[2], ex[2];
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (logfd < 0) {
        util_err_set(err, "cannot create %s: %s", logpath, strerror(errno));
        return -1;
    }
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0) {
        util_err_set(err, "cannot create a pipe: %s", strerror(errno));
        close(logfd);
        return -1;
    }
    char *argv[] = { (char *)prog, (char *)"-d", NULL }; /* -d: ignore ~/.gnuplot */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pid_t pid = fork();
    if (pid < 0) {
        util_err_set(err, "cannot start %s: %s", prog, strerror(errno));
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        close(in[0]), close(in[1]), close(ex[0]), close(ex[1]), close(logfd);
        return -1;
    }
    if (pid == 0) {
        /* Child: only async-signal-safe calls until exec. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &sa, NULL);
        sigaction(SIGXFSZ, xfsz, NULL); /* as it was before the export */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int e;
        if (dup2(in[0], 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0 || chdir(dir) < 0) {
            e = errno;
        } else {
            setsid(); /* no controlling terminal: gnuplot cannot touch the TUI's */
            execv(prog, argv);
            e = errno;
        }
        ssize_t wr = write(ex[1], &e, sizeof e);
        (void)wr;
        _exit(127);
    }
    close(in[0]);
    close(ex[1]);
    close(logfd);
    /* Write the script without blocking forever. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int fl = fcntl(in[1], F_GETFL);
    fcntl(in[1], F_SETFL, fl | O_NONBLOCK);
    size_t off = 0;
    int timed_out = 0;
    while (off < len) {
        ssize_t n = write(in[1], script + off, len - off);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            long left = GNUPLOT_TIMEOUT_MS - ms_since(&t0);
            if (left <= 0) {
                timed_out = 1;
                break;
            }
            struct pollfd pf = { .fd = in[1], .events = POLLOUT };
            poll(&pf, 1, (int)(left < 1000 ? left : 1000));
            continue;
        }
        break; /* EPIPE: gnuplot is gone; its exit status and log tell why */
    }
    close(in[1]);
    /* Did exec fail? */
    int e = 0;
    ssize_t rn;
    do
        rn = read(ex[0], &e, sizeof e);
    while (rn < 0 && errno == EINTR);
    close(ex[0]);
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, timed_out ? 0 : WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            status = -1;
            break;
        }
        if (w == 0) {
            if (ms_since(&t0) > GNUPLOT_TIMEOUT_MS) {
                kill(pid, SIGKILL);
                timed_out = 1;
                continue;
            }
            struct timespec ts = { 0, 5 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    /* Consume a SIGPIPE raised by our writes before unblocking it. */
    sigset_t pend;
    sigpending(&pend);
    if (sigismember(&pend, SIGPIPE)) {
        struct timespec zero = { 0, 0 };
        sigtimedwait(&block, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    int rc = 0;
    char msg[UTIL_ERRLEN - 128];
    if (rn == (ssize_t)sizeof e && e != 0) {
        util_err_set(err, "cannot run %s: %s", prog, strerror(e));
        rc = -1;
    } else if (timed_out) {
        util_err_set(err, "%s did not finish within %d s and was stopped", prog, GNUPLOT_TIMEOUT_MS / 1000);
        rc = -1;
    } else if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        plot_log_summary(logpath, msg, sizeof msg);
        char how[64];
        if (status != -1 && WIFSIGNALED(status))
            snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
        else if (status != -1 && WIFEXITED(status))
            snprintf(how, sizeof how, "failed (exit status %d)", WEXITSTATUS(status));
        else
            snprintf(how, sizeof how, "failed");
        util_err_set(err, "gnuplot %s%s%s", how, *msg ? ": " : "", msg);
        rc = -1;
    }
    return rc;
}

/* ---- files -------------------------------------------------------------------- */


/* Write all of data to a new file and fsync it: a short write, ENOSPC or
 * EFBIG (SIGXFSZ is ignored during an export) is an error. */
int plot_write_file(const char *path, const char *shown, const char *data, size_t len, util_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        util_err_set(err, "cannot create a temporary file for %s: %s", shown, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            util_err_set(err, "cannot write %s: %s", shown, strerror(n < 0 ? errno : EIO));
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        util_err_set(err, "cannot write %s: %s", shown, strerror(errno));
        return -1;
    }
    return 0;
}

/* Does the file end like a complete one of its format? gnuplot exits 0
 * after a short write (a full disk), so this is how a truncated figure is
 * caught. NULL when it does, else what is wrong. */
const char *plot_incomplete(const char *path, plot_format fmt)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return "it was not written";
    struct stat st;
    unsigned char head[16], tail[1024];
    if (fstat(fd, &st) < 0 || st.st_size == 0) {
        close(fd);
        return "it is empty";
    }
    size_t tl = st.st_size < (off_t)sizeof tail ? (size_t)st.st_size : sizeof tail;
    ssize_t hn = pread(fd, head, sizeof head, 0);
    ssize_t tn = pread(fd, tail, tl, st.st_size - (off_t)tl);
    const char *why = NULL;
    if (hn < 0 || tn != (ssize_t)tl)
        why = "it cannot be read back";
    /* the tail without trailing white space, as a string */
    while (!why && tl > 0 && (tail[tl - 1] == '\n' || tail[tl - 1] == '\r' || tail[tl - 1] == ' '))
        tl--;
    char t[sizeof tail + 1];
    memcpy(t, tail, tl);
    t[tl] = '\0';
    for (size_t i = 0; i < tl; i++)
        if (!t[i])
            t[i] = ' '; /* binary bytes in a PDF's tail: search past them */
    switch (why ? PF_UNKNOWN : fmt) {
    case PF_PNG: {
        static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
        static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82 };
        if (hn < 8 || memcmp(head, sig, 8) != 0)
            why = "it has no PNG signature";
        else if (st.st_size < 20 || memcmp(tail + ((size_t)tn - 12), iend, 12) != 0)
            why = "it does not end with the PNG IEND chunk";
        break;
    }
    case PF_PDF:
    case PF_GP:
        if (hn < 5 || memcmp(head, "%PDF-", 5) != 0)
            why = "it has no PDF header";
        else if (tl < 5 || strcmp(t + tl - 5, "%%EOF") != 0 || !strstr(t, "startxref"))
            why = "it does not end with startxref and %%EOF";
        break;
    case PF_EPS:
        if (hn < 10 || memcmp(head, "%!PS-Adobe", 10) != 0)
            why = "it has no PostScript header";
        else if (!strstr(t, "%%EOF"))
            why = "it does not end with %%EOF";
        break;
    case PF_SVG:
        if (tl < 6 || strcmp(t + tl - 6, "</svg>") != 0)
            why = "it does not end with </svg>";
        break;
    case PF_TEX:
        if (tl < 9 || strcmp(t + tl - 9, "\\endgroup") != 0)
            why = "it does not end with \\endgroup";
        break;
    case PF_UNKNOWN:
        break;
    }
    if (!why && fsync(fd) < 0)
        why = "it cannot be synced to disk";
    close(fd);
    return why;
}

static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static int slurp(const char *path, char **data, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    sbuf b = { 0 };
    char chunk[65536];
    size_t n;
    *len = 0;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (b.len + n + 1 > b.cap) {
            size_t cap = b.cap ? b.cap : 65536;
            while (b.len + n + 1 > cap)
                cap *= 2;
            b.s = util_realloc(b.s, cap);
            b.cap = cap;
        }
        memcpy(b.s + b.len, chunk, n);
        b.len += n;
        b.s[b.len] = '\0';
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad || !b.s) {
        free(b.s);
        return -1;
    }
    *data = b.s;
    *len = b.len;
    return 0;
}

/* Give the figure its physical size where gnuplot does not: a PNG gets a
 * pHYs chunk (300 dpi = 11811 pixels per metre) after its IHDR, an SVG's
 * width and height (gnuplot: bare user units, 1 = 1 pt here) get "pt".
 * The file at path is replaced (a new file, synced). 0 or -1. */
int plot_finish_file(const char *path, plot_format fmt)
{
    if (fmt != PF_PNG && fmt != PF_SVG)
        return 0;
    char *data;
    size_t len;
    if (slurp(path, &data, &len) < 0)
        return -1;
    sbuf o = { 0 };
    int rc = -1;
    if (fmt == PF_PNG) {
        /* signature (8) + IHDR (4 length, 4 type, 13 data, 4 crc) */
        if (len < 33 || memcmp(data + 12, "IHDR", 4) != 0)
            goto out;
        unsigned char ph[21] = { 0, 0, 0, 9, 'p', 'H', 'Y', 's' };
        const uint32_t ppm = 11811;
        for (int k = 0; k < 2; k++) {
            ph[8 + 4 * k] = (unsigned char)(ppm >> 24);
            ph[9 + 4 * k] = (unsigned char)(ppm >> 16);
            ph[10 + 4 * k] = (unsigned char)(ppm >> 8);
            ph[11 + 4 * k] = (unsigned char)ppm;
        }
        ph[16] = 1; /* unit: the metre */
        uint32_t c = crc32_png(ph + 4, 13);
        ph[17] = (unsigned char)(c >> 24), ph[18] = (unsigned char)(c >> 16);
        ph[19] = (unsigned char)(c >> 8), ph[20] = (unsigned char)c;
        o.s = util_malloc(len + sizeof ph);
        memcpy(o.s, data, 33);
        memcpy(o.s + 33, ph, sizeof ph);
        memcpy(o.s + 33 + sizeof ph, data + 33, len - 33);
        o.len = len + sizeof ph;
    } else {
        char *wp = strstr(data, " width=\""), *vb = strstr(data, "viewBox="); /* gp-lint: ok (SVG, not a script) */
        if (!wp || !vb || wp > vb)
            goto out;
        int wv, hv, used = 0;
        if (sscanf(wp, " width=\"%d\" height=\"%d\"%n", &wv, &hv, &used) != 2 || used == 0) /* gp-lint: ok (SVG, not a script) */
            goto out;
        o.s = util_malloc(len + 64);
        size_t pre = (size_t)(wp - data);
        memcpy(o.s, data, pre);
        int n = snprintf(o.s + pre, 64, " width=\"%dpt\" height=\"%dpt\"", wv, hv); /* gp-lint: ok (SVG, not a script) */
        memcpy(o.s + pre + (size_t)n, wp + used, len - pre - (size_t)used);
        o.len = pre + (size_t)n + len - pre - (size_t)used;
    }
    char *tmp = util_asprintf("%s.size", path);
    util_err e = { { 0 } };
    if (plot_write_file(tmp, path, o.s, o.len, &e) == 0 && rename(tmp, path) == 0)
        rc = 0;
    else
        unlink(tmp);
    free(tmp);
out:
    free(o.s);
    free(data);
    return rc;
}

void plot_sync_dir(const char *dir)
{
    int fd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* A copy of from at to (file systems without hard links), synced. */
static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    struct stat st;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -1;
            break;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = -1;
                break;
            }
            off += w;
        }
        if (rc < 0)
            break;
    }
    if (rc == 0 && fstat(in, &st) == 0)
        fchmod(out, st.st_mode & 07777);
    if (fsync(out) < 0)
        rc = -1;
    if (close(out) < 0)
        rc = -1;
    close(in);
    return rc;
}

/* Put o->tmp in place of o->final: never replacing an existing file unless
 * force, and then keeping a hard link to the old one in o->backup so that
 * the whole set can be rolled back. */
int plot_install(outfile *o, const char *tmpdir, int idx, int force, util_err *err)
{
    if (!force) {
        if (link(o->tmp, o->final) == 0) {
            o->installed = 1;
            return 0;
        }
        if (errno == EEXIST) {
            util_err_set(err, "%s already exists (use --force to overwrite it)", o->final);
            return -1;
        }
        /* File systems without hard links: check, then rename. */
        if (access(o->final, F_OK) == 0) {
            util_err_set(err, "%s already exists (use --force to overwrite it)", o->final);
            return -1;
        }
    } else {
        o->backup = util_asprintf("%s/old-%d", tmpdir, idx);
        struct stat st;
        int e = link(o->final, o->backup) == 0 ? 0 : errno;
        if (e && e != ENOENT && stat(o->final, &st) == 0 && !S_ISREG(st.st_mode)) {
            util_err_set(err, "cannot write %s: it is %s", o->final,
                         S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
            free(o->backup);
            o->backup = NULL;
            return -1;
        }
        if (e && e != ENOENT && copy_file(o->final, o->backup) < 0) {
            /* neither a hard link nor a copy: no way to put it back */
            util_err_set(err, "cannot keep %s while replacing it: %s", o->final, strerror(e));
            free(o->backup);
            o->backup = NULL;
            return -1;
        }
        if (e == ENOENT) {
            free(o->backup);
            o->backup = NULL;
        }
    }
    if (rename(o->tmp, o->final) < 0) {
        util_err_set(err, "cannot write %s: %s", o->final, strerror(errno));
        return -1;
    }
    o->installed = 1;
    return 0;
}

/* Undo the installs: old files back (rename is atomic), new ones away. */
void plot_roll_back(outfile *of, int nof, util_err *err)
{
    for (int i = nof - 1; i >= 0; i--) {
        if (!of[i].installed)
            continue;
        int bad = of[i].backup ? rename(of[i].backup, of[i].final) : unlink(of[i].final);
        if (bad < 0 && err->msg[0]) {
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n, "; and %s could not be restored: %s", of[i].final,
                     strerror(errno));
        }
        of[i].installed = 0;
    }
}

/* Empty and remove the private directory: everything in it is ours (or
 * gnuplot's), whatever its name. */
void plot_remove_tmpdir(const char *tmpdir)
{
    DIR *dp = opendir(tmpdir);
    if (dp) {
        struct dirent *de;
        while ((de = readdir(dp)))
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                unlinkat(dirfd(dp), de->d_name, 0);
        closedir(dp);
    }
    rmdir(tmpdir);
}
