/* SPDX-License-Identifier: MIT */
/* The admin app's compiled GResource bundle (templates, icon). */
#ifndef MIDGE_GUI_RESOURCES_H
#define MIDGE_GUI_RESOURCES_H

/* Register the bundle once per process; every template class calls this first in its
 * class_init, so the order of type registration does not matter. Main thread. */
void midge_resources_ensure(void);

#endif
