/* SPDX-License-Identifier: MIT */
/* midge-admin: the GTK3 admin app for a local midge broker. */
#include "gui/application.h"

int main(int argc, char **argv)
{
    MidgeApplication *app = midge_application_new();
    int status = g_application_run(G_APPLICATION(app), argc, argv);
    g_object_unref(app);
    return status;
}
