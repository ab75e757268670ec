/* libFuzzer harness for the .psys reader: any bytes as a capture, read
 * whole (header, data records, embedded symbols, trailer), every sample's
 * thread and stack looked up and named, then the whole fold run over a
 * second reader, written as folded text and as speedscope JSON. Mutations
 * rarely get past the records' CRCs: fuzz_psysrec does that part. */
#include "psys_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	psys_check(data, size);
	return 0;
}
