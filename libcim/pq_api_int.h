/* pq_api_int.h: libpq, loaded when a store is a PostgreSQL connection string.
 * Like GDAL (gdal_api_int.h), libpq brings libraries of its own (Kerberos,
 * LDAP, TLS) that a SpatiaLite store never needs, so libcim is built with
 * libpq's header but not linked to it: cim_pq_load() opens the library by
 * the soname found at configure time and fills cim_pq, and the macros below
 * send every call through that table. Include this INSTEAD of libpq-fe.h. */
#ifndef CIM_PQ_API_INT_H
#define CIM_PQ_API_INT_H

#include <libpq-fe.h>

/* Every libpq function libcim calls. A call to one missing here fails the
 * link (libcim does not link libpq): add it to the list. */
#define CIM_PQ_FUNCTIONS(X) \
    X(PQclear) \
    X(PQcmdTuples) \
    X(PQconnectdb) \
    X(PQerrorMessage) \
    X(PQexec) \
    X(PQexecParams) \
    X(PQexecPrepared) \
    X(PQfinish) \
    X(PQfname) \
    X(PQfreemem) \
    X(PQftype) \
    X(PQgetCopyData) \
    X(PQgetResult) \
    X(PQgetisnull) \
    X(PQgetlength) \
    X(PQgetvalue) \
    X(PQlibVersion) \
    X(PQnfields) \
    X(PQntuples) \
    X(PQparameterStatus) \
    X(PQprepare) \
    X(PQputCopyData) \
    X(PQputCopyEnd) \
    X(PQresultErrorField) \
    X(PQresultErrorMessage) \
    X(PQresultStatus) \
    X(PQserverVersion) \
    X(PQsetNoticeProcessor) \
    X(PQstatus) \
    X(PQtransactionStatus)

typedef struct cim_pq_api {
#define CIM_PQ_FIELD(f) __typeof__(&f) f;
    CIM_PQ_FUNCTIONS(CIM_PQ_FIELD)
#undef CIM_PQ_FIELD
} cim_pq_api;

extern cim_pq_api cim_pq;

/* Loads libpq once (thread-safe). CIM_OK, or CIM_ESTORE naming the library
 * and the loader's message; later calls return the same result. */
int cim_pq_load(void);

#ifndef CIM_PQ_LOADER
#define PQclear (cim_pq.PQclear)
#define PQcmdTuples (cim_pq.PQcmdTuples)
#define PQconnectdb (cim_pq.PQconnectdb)
#define PQerrorMessage (cim_pq.PQerrorMessage)
#define PQexec (cim_pq.PQexec)
#define PQexecParams (cim_pq.PQexecParams)
#define PQexecPrepared (cim_pq.PQexecPrepared)
#define PQfinish (cim_pq.PQfinish)
#define PQfname (cim_pq.PQfname)
#define PQfreemem (cim_pq.PQfreemem)
#define PQftype (cim_pq.PQftype)
#define PQgetCopyData (cim_pq.PQgetCopyData)
#define PQgetResult (cim_pq.PQgetResult)
#define PQgetisnull (cim_pq.PQgetisnull)
#define PQgetlength (cim_pq.PQgetlength)
#define PQgetvalue (cim_pq.PQgetvalue)
#define PQlibVersion (cim_pq.PQlibVersion)
#define PQnfields (cim_pq.PQnfields)
#define PQntuples (cim_pq.PQntuples)
#define PQparameterStatus (cim_pq.PQparameterStatus)
#define PQprepare (cim_pq.PQprepare)
#define PQputCopyData (cim_pq.PQputCopyData)
#define PQputCopyEnd (cim_pq.PQputCopyEnd)
#define PQresultErrorField (cim_pq.PQresultErrorField)
#define PQresultErrorMessage (cim_pq.PQresultErrorMessage)
#define PQresultStatus (cim_pq.PQresultStatus)
#define PQserverVersion (cim_pq.PQserverVersion)
#define PQsetNoticeProcessor (cim_pq.PQsetNoticeProcessor)
#define PQstatus (cim_pq.PQstatus)
#define PQtransactionStatus (cim_pq.PQtransactionStatus)
#endif

#endif
