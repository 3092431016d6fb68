/* Cadenza's window: the file browser that picks a model or a SoundFont.
 *
 * No file dialog toolkit: the window lists the files of the few folders
 * where Cadenza's models and General MIDI SoundFonts live, and a click
 * sends the choice to the plugin (patch:Set). Listing happens once, when
 * the browser opens, in the UI thread. */
#ifndef CAD_UI_BROWSE_H
#define CAD_UI_BROWSE_H

#define CAD_UI_BROWSE_MAX 256
#define CAD_UI_BROWSE_PATH 1024

typedef struct {
    int open;
    int which;   /* 0 model (.safetensors), 1 SoundFont (.sf2, .sf3) */
    int n;       /* files found */
    int first;   /* first row shown (scrolling) */
    int hover;   /* row under the pointer, -1 none */
    char files[CAD_UI_BROWSE_MAX][CAD_UI_BROWSE_PATH];
} cad_ui_browser;

/* The folders searched, in order: the bundle, the user's
 * ~/.local/share/cadenza, /usr/local/share/cadenza, /usr/share/cadenza,
 * and for SoundFonts /usr/share/sounds/sf2 too. Returns how many were
 * written to dirs (each CAD_UI_BROWSE_PATH long). */
int cad_ui_browse_dirs(const char *bundle, int which,
                       char dirs[][CAD_UI_BROWSE_PATH], int max);
/* Opens the browser on the files of `which` kind in those folders, sorted
 * by folder then name. */
void cad_ui_browse_open(cad_ui_browser *b, const char *bundle, int which);
/* Adds the matching files of one folder (the tests use a folder of their
 * own); returns how many were added. */
int cad_ui_browse_add_dir(cad_ui_browser *b, const char *dir);

#endif
