/* cim/cim.h: the umbrella header of libcim. */
#ifndef CIM_CIM_H
#define CIM_CIM_H

#include "common.h"
#include "crs.h"
#include "error.h"
#include "ingest.h"
#include "query.h"
#include "store.h"

#endif
