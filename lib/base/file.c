/* Whole-file reads; see file.h. */
#include "base/file.h"

#include "base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int file_read_fd(int fd, size_t max, unsigned char **out, size_t *len)
{
	struct buf b = { 0 };
	int err = 0;

	*out = NULL;
	*len = 0;
	for (;;) {
		/* Room for a read and the NUL kept after the data. */
		if (buf_reserve(&b, 1 << 16)) {
			err = -ENOMEM;
			break;
		}
		ssize_t n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > max) {
			err = -EFBIG;
			break;
		}
	}
	if (err) {
		buf_free(&b);
		return err;
	}
	if (!b.data && buf_reserve(&b, 1))
		return -ENOMEM;
	b.data[b.len] = 0;
	*out = b.data;
	*len = b.len;
	return 0;
}

int file_read_path(const char *path, size_t max, unsigned char **out,
		   size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0) {
		*out = NULL;
		*len = 0;
		return -errno;
	}
	err = file_read_fd(fd, max, out, len);
	close(fd);
	return err;
}
