/* Whole-file reads with a size cap, and atomic writes (temp file in the
 * same directory, fsync, rename) so a crash or a full disk never leaves a
 * half-written model, MIDI or WAV file where a good one used to be. */
#ifndef CAD_FILE_H
#define CAD_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "cad_error.h"

/* Reads all of path into a malloc'd buffer (caller frees). Fails with a
 * message if the file is missing, unreadable, a directory, or larger than
 * max_bytes. */
int cad_file_read_all(const char *path, size_t max_bytes, uint8_t **data,
                      size_t *len, cad_error *e);

/* Writes len bytes atomically to path. */
int cad_file_write_atomic(const char *path, const void *data, size_t len,
                          cad_error *e);

/* For writers that produce their output through a FILE* or a library
 * (libsndfile): make a unique temp path next to `path` (caller frees),
 * then commit it with cad_file_commit (fsync + rename) or remove it. */
char *cad_file_temp_path(const char *path);
int cad_file_commit(const char *tmp_path, const char *path, cad_error *e);

#endif
