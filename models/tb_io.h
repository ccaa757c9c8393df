/* tb_io.h - file helpers: whole-file reads, atomic writes, directories. */
#ifndef TB_IO_H
#define TB_IO_H

#include <stddef.h>
#include <stdio.h>

/* Returns the file's bytes with a NUL appended (length in *len); free with
 * free().  NULL with errno set on failure. */
char *tb_read_file(const char *path, size_t *len);

/* A path as messages show it: "<stdin>" for "-". */
const char *tb_shown_path(const char *path);

/* Write data to path atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory.  A reader sees the old
 * file or the whole new one, never a part.  0, or -1 with errno set. */
int tb_write_atomic(const char *path, const void *data, size_t len);

/*
 * A file written progressively (a time series) that appears under its name
 * only when committed.  tb_stream_open returns NULL with errno set.
 * tb_stream_commit flushes, syncs and renames; tb_stream_abort removes the
 * temporary file.  Either frees the stream; both accept NULL.
 */
typedef struct tb_stream {
    FILE *f;
    char *path, *tmp;
} tb_stream;
tb_stream *tb_stream_open(const char *path);
int tb_stream_commit(tb_stream *s);
void tb_stream_abort(tb_stream *s);

/*
 * A results directory written as a whole.  Files go into a fresh hidden
 * sibling, DIR/../.NAME.tmp-PID; tb_outdir_commit() swaps it with `path`
 * in one step (renameat2 RENAME_EXCHANGE, where the file system has it)
 * and removes the old one, so a reader never finds files of two runs side
 * by side, even after a kill.  An existing `path` must hold only what
 * tailback writes into a run's directory (else tb_outdir_open refuses, so
 * no user file is ever replaced).  Temporaries left by killed processes
 * are removed by the next open.  abort removes the temporary and leaves
 * `path` as it was.  Both accept a directory that was never opened.
 */
typedef struct tb_outdir {
    char path[4096], tmp[4200];
} tb_outdir;
int tb_outdir_open(tb_outdir *d, const char *path, char *err, size_t n);
int tb_outdir_commit(tb_outdir *d, char *err, size_t n);
void tb_outdir_abort(tb_outdir *d);

/* Write data to path (no temporary, no sync): for files inside a
 * tb_outdir, which appears as a whole.  0, or -1 with errno set. */
int tb_write_file(const char *path, const void *data, size_t len);

/* Remove from `dir` the temporaries (.NAME.tmp-PID) of processes that are
 * gone: files, and run directories tailback made. */
void tb_remove_stale(const char *dir);

/* mkdir -p; sets *created when the last component was made by this call. */
int tb_mkdirs(const char *path, int *created);

/* A shipped data file: SUBDIR/NAME under $TAILBACK_DATA, next to the binary
 * (a source tree), in ../share/tailback relative to the binary (an installed
 * tree, also under DESTDIR), then in the compiled-in data directory.
 * Returns buf, or NULL when none exists. */
const char *tb_find_data(const char *subdir, const char *name, char *buf, size_t n);

int tb_is_file(const char *path);

/* `path` written relative to directory `dir` (both must exist: they are
 * resolved with realpath), into buf; when that fails, `path` as given. */
const char *tb_relpath(const char *dir, const char *path, char *buf, size_t n);

/* The default results directory for an input file: results/NAME SUFFIX,
 * NAME being its base name up to the first dot (into buf, returned). */
const char *tb_default_out(const char *file, const char *suffix, char *buf, size_t n);

/* strerror(errno), thread-compatible. */
const char *tb_errno_str(void);

#endif
