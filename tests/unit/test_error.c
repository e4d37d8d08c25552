/* test_error.c: the thread-local error state and message context. */
#include "check.h"
#include "error_int.h"

int main(void)
{
    cim_error_clear();
    CHECK(cim_error_last() == NULL);
    int rc = cim_error_set(CIM_EFORMAT, CIM_ERRCLASS_FORMAT, "feature %d: bad ring", 812);
    CHECK(rc == CIM_EFORMAT);
    CHECK(cim_error_last() != NULL);
    CHECK_STR(cim_error_last()->message, "feature 812: bad ring");
    rc = cim_error_prefix("layer '%s'", "parcels");
    CHECK(rc == CIM_EFORMAT);
    CHECK_STR(cim_error_last()->message, "layer 'parcels': feature 812: bad ring");
    CHECK(cim_error_last()->klass == CIM_ERRCLASS_FORMAT);
    CHECK_STR(cim_error_name(CIM_ECRS), "coordinate reference system");
    cim_error_clear();
    CHECK(cim_error_last() == NULL);
    return check_report();
}
