/* Folded text into a fold; see foldtext.h. */
#include "fold/foldtext.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "folded/folded.h"

struct text_ctx {
	struct fold *f;
	int err;
};

static int on_line(void *ctx, const struct folded_line *l)
{
	struct text_ctx *c = ctx;

	if (!(l->count >= 0) || l->count > 1e18)
		return 0;
	c->err = fold_add_line(c->f, l->stack, l->len, (uint64_t)llround(l->count));
	return c->err;
}

int foldtext_add(struct fold *f, const char *path, const struct diag *d)
{
	struct folded rd;
	struct text_ctx c = { f, 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		diag_say(d, "cannot read '%s': %s", path, strerror(-err));
		return err;
	}
	folded_init(&rd);
	err = folded_read_fd(&rd, fd, on_line, &c);
	close(fd);
	if (!err)
		err = c.err;
	if (err) {
		diag_say(d, "cannot read '%s': %s", path, strerror(-err));
	} else if (rd.mode == FOLDED_DIFF) {
		diag_say(d, "'%s': already differential (two counts per line)", path);
		err = -EINVAL;
	} else if (!rd.stacks) {
		diag_say(d, "cannot read '%s': neither a .psys file nor folded stacks", path);
		err = -EPROTO;
	} else if (rd.invalid) {
		diag_say(d, "warning: '%s': %llu lines that are not folded stacks skipped "
			 "(first: line %llu)", path, rd.invalid, rd.first_invalid);
	}
	folded_free(&rd);
	return err;
}
