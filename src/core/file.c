/* file.c - the one open path for files apotview reads (file.h). */
#include "config.h"
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *file_kind(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symbolic link";
    default: return "an unknown kind of file";
    }
}

static int open_checked(const char *path, uint64_t max_size, struct stat *st, util_err *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        util_err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, st) < 0) {
        util_err_set(err, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st->st_mode)) {
        util_err_set(err, "%s: is a directory", path);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        util_err_set(err, "%s: not a regular file (%s)", path, file_kind((unsigned)st->st_mode));
        close(fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        util_err_set(err, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (st->st_size < 0 || (uint64_t)st->st_size > max_size) {
        util_err_set(err, "%s: %llu bytes, more than the %llu accepted here", path,
                     (unsigned long long)st->st_size, (unsigned long long)max_size);
        close(fd);
        return -1;
    }
    return fd;
}

int file_open_regular(const char *path, uint64_t max_size, uint64_t *size, util_err *err)
{
    struct stat st;
    int fd = open_checked(path, max_size, &st, err);
    if (fd >= 0 && size)
        *size = (uint64_t)st.st_size;
    return fd;
}

/* Read exactly n bytes at offset 0 (the size fstat gave: never more). */
static int read_exact(int fd, const char *path, unsigned char *buf, uint64_t n, util_err *err)
{
    uint64_t got = 0;
    while (got < n) {
        size_t want = n - got > (1u << 30) ? (1u << 30) : (size_t)(n - got);
        ssize_t r = pread(fd, buf + got, want, (off_t)got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            util_err_set(err, "%s: %s (at byte %llu)", path, strerror(errno), (unsigned long long)got);
            return -1;
        }
        if (r == 0) {
            util_err_set(err, "%s: the file shrank while being read (%llu of %llu bytes)", path,
                         (unsigned long long)got, (unsigned long long)n);
            return -1;
        }
        got += (uint64_t)r;
    }
    return 0;
}

int file_map_regular(const char *path, uint64_t max_size, file_map *m, util_err *err)
{
    memset(m, 0, sizeof *m);
    struct stat st;
    int fd = open_checked(path, max_size, &st, err);
    if (fd < 0)
        return -1;
    m->size = (uint64_t)st.st_size;
    m->dev = (uint64_t)st.st_dev;
    m->ino = (uint64_t)st.st_ino;
    if (m->size == 0) {
        m->data = (const unsigned char *)"";
        close(fd);
        return 0;
    }
    if (m->size > (uint64_t)SIZE_MAX) {
        util_err_set(err, "%s: %llu bytes do not fit the address space", path,
                     (unsigned long long)m->size);
        close(fd);
        return -1;
    }
    void *p = mmap(NULL, (size_t)m->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
        m->data = p;
        m->mapped = 1;
        close(fd);
        return 0;
    }
    /* A file system without mmap: a copy of exactly the file's size. */
    unsigned char *buf = malloc((size_t)m->size);
    if (!buf) {
        util_err_set(err, "%s: cannot map the file (%s) nor allocate %llu bytes for a copy", path,
                     strerror(errno), (unsigned long long)m->size);
        close(fd);
        return -1;
    }
    int rc = read_exact(fd, path, buf, m->size, err);
    close(fd);
    if (rc < 0) {
        free(buf);
        memset(m, 0, sizeof *m);
        return -1;
    }
    m->data = buf;
    return 0;
}

void file_unmap(file_map *m)
{
    if (m->mapped)
        munmap((void *)m->data, (size_t)m->size);
    else if (m->data && m->size)
        free((void *)m->data);
    memset(m, 0, sizeof *m);
}

char *file_read_regular(const char *path, uint64_t max_size, size_t *len, util_err *err)
{
    struct stat st;
    if (max_size > (uint64_t)SIZE_MAX - 1)
        max_size = (uint64_t)SIZE_MAX - 1;
    int fd = open_checked(path, max_size, &st, err);
    if (fd < 0)
        return NULL;
    uint64_t n = (uint64_t)st.st_size;
    char *buf = malloc((size_t)n + 1);
    if (!buf) {
        util_err_set(err, "%s: out of memory for %llu bytes", path, (unsigned long long)n);
        close(fd);
        return NULL;
    }
    int rc = read_exact(fd, path, (unsigned char *)buf, n, err);
    close(fd);
    if (rc < 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

FILE *file_fopen_regular(const char *path, uint64_t max_size, util_err *err)
{
    struct stat st;
    int fd = open_checked(path, max_size, &st, err);
    if (fd < 0)
        return NULL;
    FILE *fp = fdopen(fd, "r");
    if (!fp) {
        util_err_set(err, "%s: %s", path, strerror(errno));
        close(fd);
    }
    return fp;
}
