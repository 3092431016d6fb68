/* Screenshot of an X display's root window as a PNG, and a count of the
 * pixels of a colour in it (the host test looks for notes):
 *   x11_shot OUT.png [RRGGBB ...]   prints "RRGGBB N" for each colour.
 * XGetImage, then cairo writes the PNG: no ImageMagick needed. The PNG
 * is cropped to the windows: Xvfb's root without a window manager is
 * black, so the box around everything not black. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <cairo.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: x11_shot OUT.png [RRGGBB ...]\n");
        return 2;
    }
    Display *dpy = XOpenDisplay(NULL);
    if (!dpy) {
        fprintf(stderr, "x11_shot: cannot open display\n");
        return 1;
    }
    Window root = DefaultRootWindow(dpy);
    XWindowAttributes at;
    XGetWindowAttributes(dpy, root, &at);
    XImage *img = XGetImage(dpy, root, 0, 0, (unsigned)at.width,
                            (unsigned)at.height, AllPlanes, ZPixmap);
    if (!img) {
        fprintf(stderr, "x11_shot: XGetImage failed\n");
        return 1;
    }
    cairo_surface_t *s =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, at.width, at.height);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    int n_col = argc - 2;
    long counts[16] = {0};
    unsigned cols[16];
    for (int i = 0; i < n_col && i < 16; i++)
        cols[i] = (unsigned)strtoul(argv[2 + i], NULL, 16);
    for (int y = 0; y < at.height; y++) {
        uint32_t *row = (uint32_t *)(data + y * stride);
        for (int x = 0; x < at.width; x++) {
            unsigned long p = XGetPixel(img, x, y);
            /* TrueColor, 24 bits: the masks say where each channel is */
            unsigned r = (unsigned)((p & img->red_mask) >> 16) & 255;
            unsigned g = (unsigned)((p & img->green_mask) >> 8) & 255;
            unsigned b = (unsigned)(p & img->blue_mask) & 255;
            unsigned rgb = r << 16 | g << 8 | b;
            row[x] = rgb;
            for (int i = 0; i < n_col && i < 16; i++)
                counts[i] += rgb == cols[i];
        }
    }
    cairo_surface_mark_dirty(s);
    int x0 = at.width, y0 = at.height, x1 = 0, y1 = 0;
    for (int y = 0; y < at.height; y++) {
        const uint32_t *row = (const uint32_t *)(data + y * stride);
        for (int x = 0; x < at.width; x++)
            if (row[x] & 0xffffff) {
                x0 = x < x0 ? x : x0;
                x1 = x + 1 > x1 ? x + 1 : x1;
                y0 = y < y0 ? y : y0;
                y1 = y + 1 > y1 ? y + 1 : y1;
            }
    }
    if (x1 <= x0 || y1 <= y0) { /* nothing on screen: all of it */
        x0 = y0 = 0;
        x1 = at.width;
        y1 = at.height;
    }
    cairo_surface_t *crop = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
                                                       x1 - x0, y1 - y0);
    cairo_t *cr = cairo_create(crop);
    cairo_set_source_surface(cr, s, -x0, -y0);
    cairo_paint(cr);
    cairo_destroy(cr);
    int rc = cairo_surface_write_to_png(crop, argv[1]) == CAIRO_STATUS_SUCCESS
                 ? 0
                 : 1;
    cairo_surface_destroy(crop);
    for (int i = 0; i < n_col && i < 16; i++)
        printf("%06x %ld\n", cols[i], counts[i]);
    cairo_surface_destroy(s);
    XDestroyImage(img);
    XCloseDisplay(dpy);
    return rc;
}
