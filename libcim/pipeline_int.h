/* pipeline_int.h: the pipeline handle, shared by the parser, the planner and
 * the run log (never installed). */
#ifndef CIM_PIPELINE_INT_H
#define CIM_PIPELINE_INT_H

#include "buf_int.h"
#include "cim/pipeline.h"
#include "error_int.h"

struct cim_pipeline {
    char *name;                 /* the file as given, for messages */
    char *store;                /* resolved against the file's folder */
    size_t step_count;
    cim_pipeline_step *steps;
};

#endif
