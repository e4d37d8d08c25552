/* sha256_int.h: the fingerprint of an ingested source (never installed). */
#ifndef CIM_SHA256_INT_H
#define CIM_SHA256_INT_H

#include <stddef.h>

/* SHA-256 over the contents of files, in the order given (a shapefile is its
 * .shp, .shx, .dbf, .prj, .cpg together), as 64 lowercase hex digits.
 * Returns 0 or CIM_EIO naming the file. */
int cim_sha256_files(char out[65], char *const *files, size_t n);

#endif
