/* Counts calls to malloc, calloc, realloc, free, the aligned allocators and
 * pthread_mutex_lock while armed: the test host arms it around run() and
 * work_response(), the plugin's real-time entry points. The functions are
 * defined in the test executable, which exports them, so they replace the
 * C library's for every library loaded, the plugin included. */
#ifndef CAD_RT_H
#define CAD_RT_H

void cad_rt_init(void);
void cad_rt_arm(int on);
long cad_rt_count(void);     /* calls counted while armed, in total */
const char *cad_rt_last(void); /* name of the last counted function */

#endif
