/* Whole-or-nothing output files; see outfile.h. */
#include "render/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 12);
	mode_t mask;
	int fd, err;

	memset(o, 0, sizeof(*o));
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".tmp.XXXXXX", 12);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	/* mkstemp makes 0600; the output is an ordinary file. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || !(o->f = fdopen(fd, "w"))) {
		err = -errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		return err;
	}
	o->tmp = tmp;
	o->path = path;
	return 0;
}

int outfile_commit(struct outfile *o, int sync)
{
	int err = 0;

	errno = 0;
	if (fflush(o->f) || ferror(o->f))
		err = errno ? -errno : -EIO;
	else if (sync && fsync(fileno(o->f)) < 0)
		err = -errno;
	if (fclose(o->f) && !err)
		err = errno ? -errno : -EIO;
	o->f = NULL;
	if (!err && rename(o->tmp, o->path) < 0)
		err = -errno;
	if (err)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	return err;
}

void outfile_discard(struct outfile *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
}
