/* Whole-file reads, for the files psys takes in one piece: /proc/kallsyms
 * and other /proc files (which report size 0), captures, symbol maps. */
#ifndef PSYS_FILE_H
#define PSYS_FILE_H

#include <stddef.h>

/* Reads FD to its end into a new buffer (*OUT, *LEN; one NUL byte is kept
 * after the data, not counted, so text can be parsed in place). Retries
 * EINTR. MAX bounds the size: more than MAX bytes is -EFBIG. Returns 0 or
 * a negative errno, with *OUT NULL. */
int file_read_fd(int fd, size_t max, unsigned char **out, size_t *len);

/* The same for PATH, opened read-only and closed again. */
int file_read_path(const char *path, size_t max, unsigned char **out,
		   size_t *len);

#endif
