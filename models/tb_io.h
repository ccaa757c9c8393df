/* tb_io.h - file helpers: whole-file reads, atomic writes, directories. */
#ifndef TB_IO_H
#define TB_IO_H

#include <stddef.h>
#include <stdio.h>

/* Returns the file's bytes with a NUL appended (length in *len); free with
 * free().  NULL with errno set on failure. */
char *tb_read_file(const char *path, size_t *len);

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

/* mkdir -p; sets *created when the last component was made by this call. */
int tb_mkdirs(const char *path, int *created);

/* A shipped data file: SUBDIR/NAME under $TAILBACK_DATA, next to the binary
 * (a source tree), in ../share/tailback relative to the binary (an installed
 * tree, also under DESTDIR), then in the compiled-in data directory.
 * Returns buf, or NULL when none exists. */
const char *tb_find_data(const char *subdir, const char *name, char *buf, size_t n);

int tb_is_file(const char *path);

/* strerror(errno), thread-compatible. */
const char *tb_errno_str(void);

#endif
