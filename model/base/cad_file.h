/* Whole-file reads with a size cap, and atomic writes (temp file in the
 * same directory, fsync, rename) so a crash or a full disk never leaves a
 * half-written model, MIDI or WAV file where a good one used to be. */
#ifndef CAD_FILE_H
#define CAD_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "cad_error.h"

/* Reads all of path into a malloc'd buffer (caller frees). Fails with a
 * message if the file is missing, unreadable, not a regular file (a
 * directory, device, FIFO: a size from stat comes first), or larger than
 * max_bytes. */
int cad_file_read_all(const char *path, size_t max_bytes, uint8_t **data,
                      size_t *len, cad_error *e);

/* The first n bytes of a regular file (fewer if it is shorter: *got) and
 * its size, for formats that say in their first bytes how much is worth
 * reading. Same refusals as cad_file_read_all. */
int cad_file_peek(const char *path, void *buf, size_t n, size_t *got,
                  uint64_t *size, cad_error *e);

/* Where a write to path really lands: path itself, or for a symbolic link
 * the file it points to (followed link by link; a relative link is read
 * from the link's own folder). Caller frees. NULL with a message for a
 * loop of links. A name that does not exist yet is its own target. */
char *cad_file_target(const char *path, cad_error *e);

/* Checks, before any work is done, that path can take an output file:
 * its target is a regular file or a new name, in a folder that exists
 * and that we may write to. Devices, FIFOs, sockets and folders are
 * refused: an atomic save would replace the node itself. */
int cad_file_check_output(const char *path, cad_error *e);

/* 1 if a and b are the same file: the same device and inode after
 * following links, or, for names that do not exist yet, the same name in
 * the same folder. 0 otherwise. */
int cad_file_same(const char *a, const char *b);

/* Writes len bytes atomically to path (to a symbolic link's target,
 * never over the link; anything but a regular file or a new name is
 * refused). */
int cad_file_write_atomic(const char *path, const void *data, size_t len,
                          cad_error *e);

/* For writers that produce their output through a FILE* or a library
 * (libsndfile): make a unique temp path next to `path` (caller frees),
 * then commit it with cad_file_commit (fsync + rename) or remove it.
 * The temp file goes next to the symbolic link's target when path is one;
 * making one also removes stale temp files of this name that a killed
 * process left behind (".NAME.tmp-PID-N" with no process PID). */
char *cad_file_temp_path(const char *path);
int cad_file_commit(const char *tmp_path, const char *path, cad_error *e);

#endif
