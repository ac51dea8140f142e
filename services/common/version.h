/*
 * The version this binary was built as (mk/version.sh): "0.9.0+gCOMMIT".
 */
#ifndef PXESTICK_COMMON_VERSION_H
#define PXESTICK_COMMON_VERSION_H

extern const char pxestick_version[];

#endif
