/* psys-record's event loop: one epoll over the sampler's ring buffer,
 * SIGINT/SIGTERM (a signalfd) and, in triggered mode, standard input,
 * whose lines go to the recorder; the recorder's ticks in between. */
#ifndef PSYS_LOOP_H
#define PSYS_LOOP_H

#include "record/recorder.h"
#include "sampler.h"

/* Hands the recorder what it acts through: the real clocks, stderr for
 * its messages ("psys-record: ..."), stdout for the paths of finished
 * captures (or, with -o -, the captures themselves). */
void loop_wire(struct recorder_opts *o);

/* Runs until the capture is done (standalone mode), standard input ends
 * with no capture running (TRIGGERED), a signal, or the reader of stdout
 * leaves; the capture in progress is finished. CPUS (the sampled ones)
 * are followed as they go offline and come online. Returns 0, or a
 * negative errno if the loop could not be set up or a capture failed. */
int loop_run(struct recorder *r, struct sampler *sampler, const struct cpulist *cpus,
	     int triggered);

#endif
