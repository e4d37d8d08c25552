/* ingest_bim_int.h: BIM sources (IFC) for cim_ingest, which hands them over
 * by extension or content. Never installed. */
#ifndef CIM_INGEST_BIM_INT_H
#define CIM_INGEST_BIM_INT_H

#include "cim/ingest.h"

/* Non-zero when path is an IFC (STEP) file: a .ifc name or an
 * "ISO-10303-21;" first line. */
int cim_ingest_is_ifc(const char *path);

/* Reads the IFC file and writes layers NAME and NAME_storeys in one
 * transaction (see ingest_bim.c). */
int cim_ingest_bim(cim_ingest_result **out, cim_store *store, const char *source, const cim_ingest_options *opts);

#endif
