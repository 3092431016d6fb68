/* png_probe F.png [X Y]...: prints the PNG's width and height, then the
 * colour of each pixel asked for as "R G B" (0..255), one line each; for
 * the command-line tests of `cadenza plot`. Exit 1 if F is not a PNG. */
#include <stdio.h>
#include <stdlib.h>

#include <cairo.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc % 2)
        return fprintf(stderr, "usage: png_probe F.png [X Y]...\n"), 2;
    cairo_surface_t *s = cairo_image_surface_create_from_png(argv[1]);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "png_probe: %s: %s\n", argv[1],
                cairo_status_to_string(cairo_surface_status(s)));
        return 1;
    }
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s);
    int h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    printf("%d %d\n", w, h);
    for (int i = 2; i + 1 < argc; i += 2) {
        int x = atoi(argv[i]), y = atoi(argv[i + 1]);
        if (x < 0 || y < 0 || x >= w || y >= h) {
            printf("outside\n");
            continue;
        }
        /* cairo's 32-bit pixels are native-endian 0xAARRGGBB */
        unsigned px = *(const unsigned *)(d + (long)y * stride + 4L * x);
        printf("%u %u %u\n", px >> 16 & 255, px >> 8 & 255, px & 255);
    }
    cairo_surface_destroy(s);
    return 0;
}
