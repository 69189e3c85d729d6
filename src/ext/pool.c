/*
 * A pool of C threads that lives for one call (see pool.h).
 */
#include "pool.h"

#include <stdlib.h>

int
pm_pool_start(pm_pool *pool, int count, void *(*work)(void *), void *argument)
{
    pool->started = 0;
    pool->threads = count > 0 ? calloc((size_t)count, sizeof(pthread_t))
                              : NULL;
    if (pool->threads == NULL) {
        return 0;
    }
    while (pool->started < count &&
           pthread_create(&pool->threads[pool->started], NULL, work,
                          argument) == 0) {
        pool->started++;
    }
    return pool->started;
}

void
pm_pool_join(pm_pool *pool)
{
    for (int k = 0; k < pool->started; k++) {
        pthread_join(pool->threads[k], NULL);
    }
    free(pool->threads);
    pool->threads = NULL;
    pool->started = 0;
}

void
pm_pool_abandon(pm_pool *pool)
{
    free(pool->threads);
    pool->threads = NULL;
    pool->started = 0;
}
