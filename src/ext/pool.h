/*
 * A pool of C threads that lives for one call: started, run to their end,
 * joined.  No thread outlives the call that made it, and nothing here is
 * static, so calls from several Python threads each have their own pool.
 */
#ifndef PYMINPACK_POOL_H
#define PYMINPACK_POOL_H

#include <pthread.h>

typedef struct {
    pthread_t *threads;
    int started;
} pm_pool;

/*
 * Start `count` threads running work(argument).  Returns how many started
 * (fewer than count when the system refuses more, possibly 0); join them
 * with pm_pool_join in any case.
 */
int pm_pool_start(pm_pool *pool, int count, void *(*work)(void *),
                  void *argument);

/* Wait for every started thread to end, then free the pool. */
void pm_pool_join(pm_pool *pool);

/*
 * Free the pool without joining: only in a child forked while the pool
 * ran, where its threads do not exist (and joining one would wait forever).
 */
void pm_pool_abandon(pm_pool *pool);

#endif /* PYMINPACK_POOL_H */
