/* What the block writer (psysblock_write.c) and reader (psysblock_read.c)
 * share: the tags of a block's sections and the order of its sample
 * columns (docs/FORMAT.md, "version 2.0"). Version 1 records have their
 * own (psysfile_v1.c). */
#ifndef PSYS_PSYSBLOCK_INT_H
#define PSYS_PSYSBLOCK_INT_H

enum { SEC_THREADS = 1, SEC_SAMPLES = 4, SEC_STACKS = 3, SEC_USTRINGS = 5,
       SEC_USTACKS = 6, SEC_CGROUPS = 7 };
enum { COL_TIME, COL_THREAD, COL_STACK, COL_FLAGS, COL_USTACK, NCOLS };
/* A block holds at most this many samples (a second at 65 kHz). */
#define BLOCK_MAX_SAMPLES 65536

#endif
