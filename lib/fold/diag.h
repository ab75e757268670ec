/* The diagnostics callbacks moved to base/diag.h, where lib/record uses
 * them too; this name stays for code written before. */
#ifndef PSYS_FOLD_DIAG_H
#define PSYS_FOLD_DIAG_H
#include "base/diag.h"
#endif
