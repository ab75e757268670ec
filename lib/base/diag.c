/* Handing messages to the caller; see diag.h. */
#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void diag_say(const struct diag *d, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!d || !d->say)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	d->say(d->ctx, msg ? msg : fmt);
	free(msg);
}
