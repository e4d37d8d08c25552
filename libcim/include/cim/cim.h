/* cim/cim.h: the umbrella header of libcim. */
#ifndef CIM_CIM_H
#define CIM_CIM_H

#include "aggregate.h"
#include "changes.h"
#include "common.h"
#include "crs.h"
#include "error.h"
#include "indicators.h"
#include "ingest.h"
#include "pipeline.h"
#include "query.h"
#include "sensors.h"
#include "redline.h"
#include "report.h"
#include "siting.h"
#include "tiles.h"
#include "tiles3d.h"
#include "store.h"

#endif
