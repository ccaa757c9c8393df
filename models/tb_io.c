/* tb_io.c - whole-file reads, atomic writes and progressively written files that appear only when complete. */
#define _GNU_SOURCE /* renameat2 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <limits.h>
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
    if (strcmp(p, "-") == 0)
        return 1; /* standard input */
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

const char *tb_relpath(const char *dir, const char *path, char *buf, size_t n)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!realpath(dir, a) || !realpath(path, b)) {
        snprintf(buf, n, "%s", path);
        return buf;
    }
    size_t common = 0; /* the longest common prefix of whole components */
    for (size_t i = 0; a[i] && a[i] == b[i]; i++)
        if (a[i + 1] == 0 ? (b[i + 1] == '/' || b[i + 1] == 0) : a[i + 1] == '/' && b[i + 1] == '/')
            common = i + 1;
    int root = strcmp(a, "/") == 0;
    if (root)
        common = 0;
    size_t len = 0;
    buf[0] = 0;
    for (const char *p = root ? "" : a + common; *p; p++) /* up from dir to the common prefix */
        if (*p == '/' && len + 4 < n)
            len += (size_t)snprintf(buf + len, n - len, "../");
    const char *rest = b + common + (b[common] == '/');
    snprintf(buf + len, n - len, "%s", *rest ? rest : ".");
    return buf;
}

const char *tb_errno_str(void)
{
    return strerror(errno);
}

static char *read_stream(FILE *f, size_t *len);

const char *tb_shown_path(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* "-" is standard input, read once and kept: a sweep reads its experiment
 * and scenario more than once (checking, planning, reusing finished runs),
 * and its forked runs inherit the copy. */
static char *stdin_text;
static size_t stdin_len;

char *tb_read_file(const char *path, size_t *len)
{
    if (strcmp(path, "-") == 0) {
        if (!stdin_text && !(stdin_text = read_stream(stdin, &stdin_len)))
            return NULL;
        char *copy = malloc(stdin_len + 1);
        if (!copy)
            return NULL;
        memcpy(copy, stdin_text, stdin_len + 1);
        if (len)
            *len = stdin_len;
        return copy;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = read_stream(f, len);
    int saved = errno;
    fclose(f);
    errno = saved;
    return buf;
}

/* The rest of f as a NUL-terminated string (its length in *len), or NULL
 * with errno set. */
static char *read_stream(FILE *f, size_t *len)
{
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
    if (!buf) {
        if (!errno)
            errno = ENOMEM;
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

int tb_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    int bad = w != len || ferror(f);
    if (fclose(f) != 0 || bad)
        return -1;
    return 0;
}

/* What tailback writes into a run's directory: nothing else may be there
 * when it is replaced. */
static int ours(const char *name, int is_dir)
{
    static const char *const files[] = { "summary.json", "timeseries.csv", "network.csv", "latency.csv",
                                         "metrics.csv", "report.html", NULL };
    static const char *const dirs[] = { "plots", "report-figures", NULL };
    const char *const *list = is_dir ? dirs : files;
    for (int i = 0; list[i]; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return name[0] == '.' && strstr(name, ".tmp-") != NULL; /* our own temporaries */
}

/* Remove a run directory made by tailback: its files, and the files of its
 * plots/ and report-figures/ subdirectories.  Anything else stays (and so
 * does the directory). */
static void remove_run_dir(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4400];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth == 0 && ours(e->d_name, 1))
            remove_run_dir(path, 1);
        else if (S_ISREG(st.st_mode) && (depth > 0 || ours(e->d_name, 0)))
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Why `path` may not be replaced: the first entry tailback did not write,
 * or NULL when none. */
static const char *foreign_entry(const char *path, char *buf, size_t n)
{
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    struct dirent *e;
    const char *found = NULL;
    char p[4400];
    while (!found && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0 || !ours(e->d_name, S_ISDIR(st.st_mode)) ||
            (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))) {
            snprintf(buf, n, "%s", e->d_name);
            found = buf;
        }
    }
    closedir(d);
    return found;
}

/* In `dir`, remove the temporaries .NAME.tmp-PID (NAME starting with
 * `prefix`, any if NULL) whose process is gone: what a run killed with
 * SIGKILL, or a crash, left behind.  A live process's are left alone. */
static void remove_stale_in(const char *dir, const char *name)
{
    char prefix[600];
    if (name)
        snprintf(prefix, sizeof prefix, ".%s.tmp-", name);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        const char *tag = strstr(e->d_name, ".tmp-");
        if (name ? strncmp(e->d_name, prefix, strlen(prefix)) != 0 : (e->d_name[0] != '.' || !tag))
            continue;
        char *end;
        long pid = strtol(tag + 5, &end, 10);
        if (end == tag + 5 || (*end && strcmp(end, ".old") != 0))
            continue; /* not a name of ours */
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue; /* still running: not ours to remove */
        char p[4400];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_run_dir(p, 0);
        else if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
            unlink(p);
    }
    if (d)
        closedir(d);
}

void tb_remove_stale(const char *dir)
{
    remove_stale_in(dir, NULL);
}

/* Temporaries .NAME.tmp-PID beside `path` whose process is gone. */
static void remove_stale(const char *path)
{
    char *parent = dir_of(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (parent)
        remove_stale_in(parent, base);
    free(parent);
}

int tb_outdir_open(tb_outdir *d, const char *path, char *err, size_t n)
{
    char f[300];
    struct stat st;
    memset(d, 0, sizeof *d);
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    if (len == 0 || len >= sizeof d->path - 64) {
        snprintf(err, n, "%s: expected a directory name", path);
        return -1;
    }
    snprintf(d->path, sizeof d->path, "%.*s", (int)len, path);
    if (stat(d->path, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, n, "%s: exists and is not a directory", d->path);
            return -1;
        }
        if (foreign_entry(d->path, f, sizeof f)) {
            snprintf(err, n, "%s: exists and holds \"%s\", which tailback did not write; choose another --out "
                             "(a run's directory is replaced as a whole)", d->path, f);
            return -1;
        }
    }
    char *parent = dir_of(d->path);
    if (!parent || tb_mkdirs(parent, NULL) != 0) {
        snprintf(err, n, "%s: cannot create the directory above it (%s)", d->path, tb_errno_str());
        free(parent);
        return -1;
    }
    free(parent);
    remove_stale(d->path);
    const char *slash = strrchr(d->path, '/');
    snprintf(d->tmp, sizeof d->tmp, "%.*s.%s.tmp-%ld", slash ? (int)(slash - d->path + 1) : 0, d->path,
             slash ? slash + 1 : d->path, (long)getpid());
    remove_run_dir(d->tmp, 0);
    if (mkdir(d->tmp, 0755) != 0) {
        snprintf(err, n, "%s: cannot create (%s)", d->tmp, tb_errno_str());
        d->tmp[0] = 0;
        return -1;
    }
    return 0;
}

int tb_outdir_commit(tb_outdir *d, char *err, size_t n)
{
    struct stat st;
    if (stat(d->path, &st) != 0) { /* nothing to replace */
        if (rename(d->tmp, d->path) != 0) {
            snprintf(err, n, "%s: cannot rename into place (%s)", d->path, tb_errno_str());
            return -1;
        }
    } else if (renameat2(AT_FDCWD, d->tmp, AT_FDCWD, d->path, RENAME_EXCHANGE) == 0) {
        remove_run_dir(d->tmp, 0); /* now the old directory */
    } else {
        /* no atomic exchange here: move the old one aside first (a reader
         * may then briefly find no directory, never a mixed one) */
        char old[4300];
        snprintf(old, sizeof old, "%s.old", d->tmp);
        if (rename(d->path, old) != 0 || rename(d->tmp, d->path) != 0) {
            snprintf(err, n, "%s: cannot replace (%s)", d->path, tb_errno_str());
            return -1;
        }
        remove_run_dir(old, 0);
    }
    sync_dir(d->path);
    d->tmp[0] = 0;
    return 0;
}

void tb_outdir_abort(tb_outdir *d)
{
    if (d->tmp[0])
        remove_run_dir(d->tmp, 0);
    d->tmp[0] = 0;
}

const char *tb_default_out(const char *file, const char *suffix, char *buf, size_t n)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    if (strcmp(base, "-") == 0)
        base = "stdin"; /* results/stdin-seed1, not a folder named "-" */
    snprintf(buf, n, "results/%.*s%s", (int)strcspn(base, "."), base, suffix);
    return buf;
}
