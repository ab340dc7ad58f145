/* The extension module `trioaio._core`. */
#ifndef TA_MODULE_H
#define TA_MODULE_H

#include "ta_state.h"

extern PyModuleDef ta_module_def;

#endif
