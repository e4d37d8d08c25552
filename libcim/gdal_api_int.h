/* gdal_api_int.h: GDAL, loaded when a command first needs it.
 * libgdal brings some 110 shared libraries whose loading and relocation cost
 * more than a whole `cim layers` or `cim query`; only the readers of GIS
 * files (source_ogr.c, source_citygml.c) need it. libcim is therefore built
 * with GDAL's headers but not linked to it: cim_gdal_load() opens the
 * library (the soname GDAL was built with) and fills cim_gdal, and the
 * macros below send every call through that table.
 * Include this INSTEAD of GDAL's headers, and never include a GDAL header
 * after it (its prototypes would meet the macros). */
#ifndef CIM_GDAL_API_INT_H
#define CIM_GDAL_API_INT_H

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

/* Every GDAL function libcim calls. A call to one missing here links
 * against libgdal directly, which the build refuses (libcim does not link
 * it): add it to the list. */
#define CIM_GDAL_FUNCTIONS(X) \
    X(CPLErrorReset) \
    X(CPLGetLastErrorMsg) \
    X(CPLGetLastErrorType) \
    X(CPLParseNameValue) \
    X(CPLSetErrorHandler) \
    X(CPLSetThreadLocalConfigOption) \
    X(CSLCount) \
    X(CSLDestroy) \
    X(CSLSetNameValue) \
    X(GDALAllRegister) \
    X(GDALClose) \
    X(GDALDatasetGetLayer) \
    X(GDALDatasetGetLayerCount) \
    X(GDALGetDriverShortName) \
    X(GDALGetFileList) \
    X(GDALIdentifyDriverEx) \
    X(GDALOpenEx) \
    X(GDALVersionInfo) \
    X(OGR_FD_GetFieldCount) \
    X(OGR_FD_GetFieldDefn) \
    X(OGR_FD_GetFieldIndex) \
    X(OGR_FD_GetGeomFieldCount) \
    X(OGR_FD_GetGeomFieldDefn) \
    X(OGR_F_Destroy) \
    X(OGR_F_GetFID) \
    X(OGR_F_GetFieldAsBinary) \
    X(OGR_F_GetFieldAsDateTimeEx) \
    X(OGR_F_GetFieldAsDouble) \
    X(OGR_F_GetFieldAsDoubleList) \
    X(OGR_F_GetFieldAsInteger64) \
    X(OGR_F_GetFieldAsInteger64List) \
    X(OGR_F_GetFieldAsString) \
    X(OGR_F_GetFieldAsStringList) \
    X(OGR_F_GetGeomFieldRef) \
    X(OGR_F_GetGeometryRef) \
    X(OGR_F_IsFieldSetAndNotNull) \
    X(OGR_Fld_GetNameRef) \
    X(OGR_Fld_GetSubType) \
    X(OGR_Fld_GetType) \
    X(OGR_GFld_GetNameRef) \
    X(OGR_GT_Flatten) \
    X(OGR_GT_HasZ) \
    X(OGR_GT_IsNonLinear) \
    X(OGR_G_AddGeometryDirectly) \
    X(OGR_G_Area) \
    X(OGR_G_Clone) \
    X(OGR_G_CreateGeometry) \
    X(OGR_G_DestroyGeometry) \
    X(OGR_G_ExportToIsoWkb) \
    X(OGR_G_FlattenTo2D) \
    X(OGR_G_ForceTo) \
    X(OGR_G_ForceToMultiPolygon) \
    X(OGR_G_GetGeometryCount) \
    X(OGR_G_GetGeometryRef) \
    X(OGR_G_GetGeometryType) \
    X(OGR_G_GetLinearGeometry) \
    X(OGR_G_IsEmpty) \
    X(OGR_G_IsMeasured) \
    X(OGR_G_IsValid) \
    X(OGR_G_SetMeasured) \
    X(OGR_G_UnionCascaded) \
    X(OGR_G_WkbSizeEx) \
    X(OGR_L_GetFeatureCount) \
    X(OGR_L_GetGeomType) \
    X(OGR_L_GetLayerDefn) \
    X(OGR_L_GetName) \
    X(OGR_L_GetNextFeature) \
    X(OGR_L_GetSpatialRef) \
    X(OGR_L_ResetReading) \
    X(OGR_L_SetAttributeFilter) \
    X(OSREPSGTreatsAsLatLong) \
    X(OSREPSGTreatsAsNorthingEasting) \
    X(OSRExportToWktEx) \
    X(OSRGetAuthorityCode) \
    X(OSRGetAuthorityName) \
    X(OSRGetDataAxisToSRSAxisMapping) \
    X(OSRGetName) \
    X(VSIFree)

typedef struct cim_gdal_api {
#define CIM_GDAL_FIELD(f) __typeof__(&f) f;
    CIM_GDAL_FUNCTIONS(CIM_GDAL_FIELD)
#undef CIM_GDAL_FIELD
} cim_gdal_api;

extern cim_gdal_api cim_gdal;

/* Loads GDAL once (thread-safe), installs cim's message handler and
 * registers the drivers. CIM_OK, or CIM_EINTERNAL naming the library and
 * the loader's message; later calls return the same result. */
int cim_gdal_load(void);
/* Whether GDAL has been loaded (by this process, successfully). */
int cim_gdal_loaded(void);

#ifndef CIM_GDAL_LOADER
#define CPLErrorReset (cim_gdal.CPLErrorReset)
#define CPLGetLastErrorMsg (cim_gdal.CPLGetLastErrorMsg)
#define CPLGetLastErrorType (cim_gdal.CPLGetLastErrorType)
#define CPLParseNameValue (cim_gdal.CPLParseNameValue)
#define CPLSetErrorHandler (cim_gdal.CPLSetErrorHandler)
#define CPLSetThreadLocalConfigOption (cim_gdal.CPLSetThreadLocalConfigOption)
#define CSLCount (cim_gdal.CSLCount)
#define CSLDestroy (cim_gdal.CSLDestroy)
#define CSLSetNameValue (cim_gdal.CSLSetNameValue)
#define GDALAllRegister (cim_gdal.GDALAllRegister)
#define GDALClose (cim_gdal.GDALClose)
#define GDALDatasetGetLayer (cim_gdal.GDALDatasetGetLayer)
#define GDALDatasetGetLayerCount (cim_gdal.GDALDatasetGetLayerCount)
#define GDALGetDriverShortName (cim_gdal.GDALGetDriverShortName)
#define GDALGetFileList (cim_gdal.GDALGetFileList)
#define GDALIdentifyDriverEx (cim_gdal.GDALIdentifyDriverEx)
#define GDALOpenEx (cim_gdal.GDALOpenEx)
#define GDALVersionInfo (cim_gdal.GDALVersionInfo)
#define OGR_FD_GetFieldCount (cim_gdal.OGR_FD_GetFieldCount)
#define OGR_FD_GetFieldDefn (cim_gdal.OGR_FD_GetFieldDefn)
#define OGR_FD_GetFieldIndex (cim_gdal.OGR_FD_GetFieldIndex)
#define OGR_FD_GetGeomFieldCount (cim_gdal.OGR_FD_GetGeomFieldCount)
#define OGR_FD_GetGeomFieldDefn (cim_gdal.OGR_FD_GetGeomFieldDefn)
#define OGR_F_Destroy (cim_gdal.OGR_F_Destroy)
#define OGR_F_GetFID (cim_gdal.OGR_F_GetFID)
#define OGR_F_GetFieldAsBinary (cim_gdal.OGR_F_GetFieldAsBinary)
#define OGR_F_GetFieldAsDateTimeEx (cim_gdal.OGR_F_GetFieldAsDateTimeEx)
#define OGR_F_GetFieldAsDouble (cim_gdal.OGR_F_GetFieldAsDouble)
#define OGR_F_GetFieldAsDoubleList (cim_gdal.OGR_F_GetFieldAsDoubleList)
#define OGR_F_GetFieldAsInteger64 (cim_gdal.OGR_F_GetFieldAsInteger64)
#define OGR_F_GetFieldAsInteger64List (cim_gdal.OGR_F_GetFieldAsInteger64List)
#define OGR_F_GetFieldAsString (cim_gdal.OGR_F_GetFieldAsString)
#define OGR_F_GetFieldAsStringList (cim_gdal.OGR_F_GetFieldAsStringList)
#define OGR_F_GetGeomFieldRef (cim_gdal.OGR_F_GetGeomFieldRef)
#define OGR_F_GetGeometryRef (cim_gdal.OGR_F_GetGeometryRef)
#define OGR_F_IsFieldSetAndNotNull (cim_gdal.OGR_F_IsFieldSetAndNotNull)
#define OGR_Fld_GetNameRef (cim_gdal.OGR_Fld_GetNameRef)
#define OGR_Fld_GetSubType (cim_gdal.OGR_Fld_GetSubType)
#define OGR_Fld_GetType (cim_gdal.OGR_Fld_GetType)
#define OGR_GFld_GetNameRef (cim_gdal.OGR_GFld_GetNameRef)
#define OGR_GT_Flatten (cim_gdal.OGR_GT_Flatten)
#define OGR_GT_HasZ (cim_gdal.OGR_GT_HasZ)
#define OGR_GT_IsNonLinear (cim_gdal.OGR_GT_IsNonLinear)
#define OGR_G_AddGeometryDirectly (cim_gdal.OGR_G_AddGeometryDirectly)
#define OGR_G_Area (cim_gdal.OGR_G_Area)
#define OGR_G_Clone (cim_gdal.OGR_G_Clone)
#define OGR_G_CreateGeometry (cim_gdal.OGR_G_CreateGeometry)
#define OGR_G_DestroyGeometry (cim_gdal.OGR_G_DestroyGeometry)
#define OGR_G_ExportToIsoWkb (cim_gdal.OGR_G_ExportToIsoWkb)
#define OGR_G_FlattenTo2D (cim_gdal.OGR_G_FlattenTo2D)
#define OGR_G_ForceTo (cim_gdal.OGR_G_ForceTo)
#define OGR_G_ForceToMultiPolygon (cim_gdal.OGR_G_ForceToMultiPolygon)
#define OGR_G_GetGeometryCount (cim_gdal.OGR_G_GetGeometryCount)
#define OGR_G_GetGeometryRef (cim_gdal.OGR_G_GetGeometryRef)
#define OGR_G_GetGeometryType (cim_gdal.OGR_G_GetGeometryType)
#define OGR_G_GetLinearGeometry (cim_gdal.OGR_G_GetLinearGeometry)
#define OGR_G_IsEmpty (cim_gdal.OGR_G_IsEmpty)
#define OGR_G_IsMeasured (cim_gdal.OGR_G_IsMeasured)
#define OGR_G_IsValid (cim_gdal.OGR_G_IsValid)
#define OGR_G_SetMeasured (cim_gdal.OGR_G_SetMeasured)
#define OGR_G_UnionCascaded (cim_gdal.OGR_G_UnionCascaded)
#define OGR_G_WkbSizeEx (cim_gdal.OGR_G_WkbSizeEx)
#define OGR_L_GetFeatureCount (cim_gdal.OGR_L_GetFeatureCount)
#define OGR_L_GetGeomType (cim_gdal.OGR_L_GetGeomType)
#define OGR_L_GetLayerDefn (cim_gdal.OGR_L_GetLayerDefn)
#define OGR_L_GetName (cim_gdal.OGR_L_GetName)
#define OGR_L_GetNextFeature (cim_gdal.OGR_L_GetNextFeature)
#define OGR_L_GetSpatialRef (cim_gdal.OGR_L_GetSpatialRef)
#define OGR_L_ResetReading (cim_gdal.OGR_L_ResetReading)
#define OGR_L_SetAttributeFilter (cim_gdal.OGR_L_SetAttributeFilter)
#define OSREPSGTreatsAsLatLong (cim_gdal.OSREPSGTreatsAsLatLong)
#define OSREPSGTreatsAsNorthingEasting (cim_gdal.OSREPSGTreatsAsNorthingEasting)
#define OSRExportToWktEx (cim_gdal.OSRExportToWktEx)
#define OSRGetAuthorityCode (cim_gdal.OSRGetAuthorityCode)
#define OSRGetAuthorityName (cim_gdal.OSRGetAuthorityName)
#define OSRGetDataAxisToSRSAxisMapping (cim_gdal.OSRGetDataAxisToSRSAxisMapping)
#define OSRGetName (cim_gdal.OSRGetName)
#define VSIFree (cim_gdal.VSIFree)
#endif

#endif
