/* Folded text as an input of a fold: another tool's (or an earlier
 * psys-fold's) "stack COUNT" lines, added to a fold as they are, for a
 * differential fold against them. */
#ifndef PSYS_FOLDTEXT_H
#define PSYS_FOLDTEXT_H

#include "base/diag.h"
#include "fold/fold.h"

/* Adds the folded text at PATH to F. Lines that are not folded stacks are
 * skipped with a warning on D. Returns 0, or after saying why on D: a
 * negative errno when PATH cannot be read, -EPROTO when it holds no
 * folded stacks, -EINVAL when it is already differential. */
int foldtext_add(struct fold *f, const char *path, const struct diag *d);

#endif
