/* Messages from lib/ (the fold, the recorder) to whoever runs it: notes,
 * warnings and errors, handed over as text, one line each without the
 * newline, for the program to print under its own name. lib/ never
 * prints. */
#ifndef PSYS_DIAG_H
#define PSYS_DIAG_H

struct diag {
	void (*say)(void *ctx, const char *msg);	/* NULL: dropped */
	void *ctx;
};

/* Formats a message and hands it to D (accepts NULL). On out of memory
 * the format string itself is handed over. */
void diag_say(const struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
