/* tb_io.c - whole-file reads, atomic writes and progressively written files that appear only when complete. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tb_io.h"

#ifndef TB_DATADIR
#define TB_DATADIR "/usr/local/share/tailback"
#endif

int tb_is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *tb_find_data(const char *subdir, const char *name, char *buf, size_t n)
{
    char exe[4096] = "";
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
    }
    const char *env = getenv("TAILBACK_DATA");
    const char *dirs[4] = { env, exe, exe, TB_DATADIR };
    const char *mid[4] = { "", "", "/../share/tailback", "" };
    for (int i = 0; i < 4; i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        snprintf(buf, n, "%s%s/%s/%s", dirs[i], mid[i], subdir, name);
        if (tb_is_file(buf))
            return buf;
    }
    return NULL;
}

const char *tb_errno_str(void)
{
    return strerror(errno);
}

char *tb_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n < cap - 1) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int saved = errno;
    fclose(f);
    if (!buf) {
        errno = saved ? saved : ENOMEM;
        return NULL;
    }
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static char *tmp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path + 1) : 0;
    size_t n = strlen(path) + 32;
    char *t = malloc(n);
    if (t)
        snprintf(t, n, "%.*s.%s.tmp-%ld", (int)dlen, path, path + dlen, (long)getpid());
    return t;
}

static void sync_dir(const char *path)
{
    char *d = dir_of(path);
    if (!d)
        return;
    int fd = open(d, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: some file systems refuse */
        close(fd);
    }
    free(d);
}

int tb_write_atomic(const char *path, const void *data, size_t len)
{
    char *tmp = tmp_name(path);
    if (!tmp)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        fd = -1;
        goto fail;
    }
    free(tmp);
    sync_dir(path);
    return 0;
fail: {
    int saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    errno = saved;
    return -1;
}
}

tb_stream *tb_stream_open(const char *path)
{
    tb_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->path = strdup(path);
    s->tmp = tmp_name(path);
    if (!s->path || !s->tmp || !(s->f = fopen(s->tmp, "w"))) {
        int saved = errno;
        free(s->path);
        free(s->tmp);
        free(s);
        errno = saved;
        return NULL;
    }
    return s;
}

static void stream_free(tb_stream *s)
{
    free(s->path);
    free(s->tmp);
    free(s);
}

int tb_stream_commit(tb_stream *s)
{
    if (!s)
        return 0;
    int rc = 0;
    if (fflush(s->f) != 0 || ferror(s->f) || fsync(fileno(s->f)) != 0)
        rc = -1;
    if (fclose(s->f) != 0)
        rc = -1;
    if (rc == 0 && rename(s->tmp, s->path) != 0)
        rc = -1;
    int saved = errno;
    if (rc != 0)
        unlink(s->tmp);
    else
        sync_dir(s->path);
    stream_free(s);
    errno = saved;
    return rc;
}

void tb_stream_abort(tb_stream *s)
{
    if (!s)
        return;
    fclose(s->f);
    unlink(s->tmp);
    stream_free(s);
}

int tb_mkdirs(const char *path, int *created)
{
    char buf[4096];
    if (created)
        *created = 0;
    if (strlen(path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0755) == 0) {
        if (created)
            *created = 1;
        return 0;
    }
    if (errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}
