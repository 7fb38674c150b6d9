/* SPDX-License-Identifier: MIT */
/* Unit tests for the load graph's plain cairo painting: tick steps, value and time
 * labels, and pixels of the series colours on an image surface. No display needed. */
#include "gui/load_graph_paint.h"

#include "tests/assert.h"

#include <math.h>

static void test_nice_step(void)
{
    ASSERT_EQ_INT(midge_load_graph_nice_step(100, 4) * 1000, 50000);
    ASSERT_EQ_INT(midge_load_graph_nice_step(7, 4) * 1000, 2000);
    ASSERT_EQ_INT(midge_load_graph_nice_step(1, 4) * 1000, 500);
    ASSERT_EQ_INT(midge_load_graph_nice_step(3500, 4) * 1000, 1000000);
    ASSERT_EQ_INT(midge_load_graph_nice_step(40, 4) * 1000, 10000);
}

static void test_format_value(void)
{
    char b[32];
    midge_load_graph_format_value(0, MIDGE_UNIT_COUNT, b, sizeof b);
    ASSERT_EQ_STR(b, "0");
    midge_load_graph_format_value(2500, MIDGE_UNIT_COUNT, b, sizeof b);
    ASSERT_EQ_STR(b, "2.5k");
    midge_load_graph_format_value(20000, MIDGE_UNIT_COUNT, b, sizeof b);
    ASSERT_EQ_STR(b, "20k");
    midge_load_graph_format_value(12, MIDGE_UNIT_PER_SEC, b, sizeof b);
    ASSERT_EQ_STR(b, "12 msg/s");
    midge_load_graph_format_value(0.5, MIDGE_UNIT_PER_SEC, b, sizeof b);
    ASSERT_EQ_STR(b, "0.5 msg/s");
    midge_load_graph_format_value(1500, MIDGE_UNIT_PER_SEC, b, sizeof b);
    ASSERT_EQ_STR(b, "1.5k msg/s");
    midge_load_graph_format_value(250, MIDGE_UNIT_BYTES_SEC, b, sizeof b);
    ASSERT_EQ_STR(b, "250 B/s");
    midge_load_graph_format_value(1500, MIDGE_UNIT_BYTES_SEC, b, sizeof b);
    ASSERT_EQ_STR(b, "1.5 kB/s");
    midge_load_graph_format_value(3.2e6, MIDGE_UNIT_BYTES, b, sizeof b);
    ASSERT_EQ_STR(b, "3.2 MB");
    midge_load_graph_format_value(4e9, MIDGE_UNIT_BYTES, b, sizeof b);
    ASSERT_EQ_STR(b, "4 GB");
}

static void test_time_labels(void)
{
    char b[32];
    ASSERT_EQ_INT(midge_load_graph_time_step(60), 10);
    ASSERT_EQ_INT(midge_load_graph_time_step(600), 120);
    ASSERT_EQ_INT(midge_load_graph_time_step(3600), 600);
    midge_load_graph_format_age(0, b, sizeof b);
    ASSERT_EQ_STR(b, "now");
    midge_load_graph_format_age(30, b, sizeof b);
    ASSERT_EQ_STR(b, "-30 s");
    midge_load_graph_format_age(600, b, sizeof b);
    ASSERT_EQ_STR(b, "-10 min");
    midge_load_graph_format_age(7200, b, sizeof b);
    ASSERT_EQ_STR(b, "-2 h");
}

/* Pixels within a small distance of colour rgb. */
static int count_color(cairo_surface_t *surf, const double rgb[3])
{
    cairo_surface_flush(surf);
    int w = cairo_image_surface_get_width(surf), h = cairo_image_surface_get_height(surf);
    int stride = cairo_image_surface_get_stride(surf), n = 0;
    const unsigned char *data = cairo_image_surface_get_data(surf);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            guint32 px = *(const guint32 *)(const void *)(data + y * stride + 4 * x);
            int r = (px >> 16) & 255, g = (px >> 8) & 255, b = px & 255;
            if (abs(r - (int)(rgb[0] * 255)) < 30 && abs(g - (int)(rgb[1] * 255)) < 30 &&
                abs(b - (int)(rgb[2] * 255)) < 30)
                n++;
        }
    return n;
}

static int paint_and_count(const MidgeGraphData *d, int series)
{
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 600, 220);
    cairo_t *cr = cairo_create(surf);
    midge_load_graph_paint(cr, 600, 220, d);
    cairo_destroy(cr);
    int n = count_color(surf, midge_graph_colors[series]);
    cairo_surface_destroy(surf);
    return n;
}

static void test_paint_pixels(void)
{
    double t[60], v0[60], v1[60];
    for (int i = 0; i < 60; i++) {
        t[i] = 1000 + i;
        v0[i] = 50 + 40 * sin(i / 5.0);
        v1[i] = i == 30 ? NAN : 10; /* a gap in the middle */
    }
    MidgeGraphData d = {.title = "Messages per second",
                        .unit = MIDGE_UNIT_PER_SEC,
                        .now_s = 1060,
                        .window_s = 60,
                        .n_series = 2};
    d.series[0] = (MidgeGraphSeries){"Received", {0}, t, v0, 0};
    d.series[1] = (MidgeGraphSeries){"Sent", {0}, t, v1, 0};
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 3; j++)
            d.series[k].rgb[j] = midge_graph_colors[k][j];
    /* without points only the legend swatches carry the colours */
    int empty0 = paint_and_count(&d, 0), empty1 = paint_and_count(&d, 1);
    ASSERT_TRUE(empty0 > 50 && empty0 < 200);
    d.series[0].n = 60;
    d.series[1].n = 60;
    int full0 = paint_and_count(&d, 0), full1 = paint_and_count(&d, 1);
    fprintf(stderr, "pixels: %d %d -> %d %d\n", empty0, empty1, full0, full1);
    ASSERT_TRUE(full0 > empty0 + 500);
    ASSERT_TRUE(full1 > empty1 + 300);
    /* points older than the window are not drawn */
    d.now_s = 5000;
    ASSERT_TRUE(paint_and_count(&d, 0) < empty0 + 20);
    /* a tiny area paints without crashing */
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 5, 5);
    cairo_t *cr = cairo_create(surf);
    midge_load_graph_paint(cr, 5, 5, &d);
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
}

int main(void)
{
    RUN_TEST(test_nice_step);
    RUN_TEST(test_format_value);
    RUN_TEST(test_time_labels);
    RUN_TEST(test_paint_pixels);
    return 0;
}
