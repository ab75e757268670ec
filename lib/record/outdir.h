/* Where psys-record's captures go (-o): a directory opened once and
 * checked, one new file per capture named after its local time, retention
 * of the oldest captures there; or standard output, through an unlinked
 * file in a private folder. */
#ifndef PSYS_OUTDIR_H
#define PSYS_OUTDIR_H

#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "base/diag.h"
#include "psysfile/psysfile.h"
#include "symbols/ksyms.h"

struct outdir {
	const char *path;	/* -o as given: DIR, FILE.psys or "-" */
	int to_stdout;		/* PATH is "-" */
	int fd;			/* the directory once open, else -1 */
	char tmpdir[PATH_MAX];	/* -o -: the private folder, until used */
};

/* Non-zero if PATH names a file (FILE.psys) rather than a directory. */
int outdir_is_file_name(const char *path);

/* Sets O up for PATH (not copied), not yet open. */
void outdir_init(struct outdir *o, const char *path);

/* Opens the directory once, for every capture and for retention, so that
 * later renames of the path cannot redirect the files: DIR (made 0700 if
 * missing), FILE.psys's directory, or for "-" a folder of our own made
 * 0700 in $TMPDIR (or /tmp). Refused: a symlink as the directory itself,
 * and a directory anyone may write to without the sticky bit (anyone could
 * replace our files there). Returns 0, or a negative errno with a
 * one-line reason in ERR ("cannot open directory 'x': ..."). */
int outdir_open(struct outdir *o, char *err, size_t errlen);

/* Creates a capture file, never over an existing one, writing HEADER and
 * naming addresses with KSYMS through IO (see psysfile_create_io): FILE.psys itself;
 * in a directory, the local time of NAME_NS as YYYYMMDD_HHMMSS.psys, with
 * _1, _2... when taken; for "-", a file in the private folder, unlinked at
 * once (the folder is removed then), whose descriptor *TEE_FD reads it
 * back for outdir_stream. PATH receives what messages call the file (the
 * last name tried, on failure). Returns 0 or a negative errno. Warnings go
 * to D. */
int outdir_create(struct outdir *o, int64_t name_ns, const json_t *header,
		  const struct ksyms *ksyms, const struct psysfile_io *io,
		  struct psysfile_writer **w, int *tee_fd, char *path, size_t pathlen,
		  const struct diag *d);

/* Copies the bytes of the unlinked file TEE_FD from *DONE up to UPTO to
 * OUT_FD, moving *DONE, and gives the disk space of what went out back
 * (holes where the data was). Returns 0 or a negative errno; -EPIPE when
 * the reader has gone. */
int outdir_stream(int tee_fd, uint64_t *done, uint64_t upto, int out_fd);

/* Deletes the oldest captures in the directory (and the .svg made from
 * each) until at most MAX_FILES - RESERVE remain and they fit in
 * MAX_BYTES. Only files named as outdir_create names them are touched;
 * the newest is always kept. RESERVE 1 makes room for a capture about to
 * start. What it deletes (VERBOSE) or cannot delete goes to D. */
void outdir_retain(const struct outdir *o, unsigned long max_files, uint64_t max_bytes,
		   unsigned long reserve, int verbose, const struct diag *d);

/* Closes the directory and removes a private folder still there
 * (warning on D if it cannot). */
void outdir_close(struct outdir *o, const struct diag *d);

#endif
