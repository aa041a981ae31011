import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Channel, DeadLetter, DeadLetterBulkRetry, DeadLetterRetryResult, Page, QueueStats } from '@herald/shared';
import { api } from '../../lib/api.ts';

export type DeadLetterFilters = { channel?: Channel; limit: number; offset: number };

/** How often the queue page reads the queue again. */
export const queueRefreshMs = 5_000;

export const queueKeys = {
  all: ['queue'] as const,
  stats: ['queue', 'stats'] as const,
  deadLetters: (filters: DeadLetterFilters) => ['queue', 'dead-letters', filters] as const,
};

/** The queue dashboard, read again every few seconds. */
export function useQueueStats() {
  return useQuery({
    queryKey: queueKeys.stats,
    queryFn: ({ signal }) => api.get<QueueStats>('/queue/stats', undefined, signal),
    refetchInterval: queueRefreshMs,
  });
}

/** One page of dead letters, newest first, read again every few seconds. */
export function useDeadLetters(filters: DeadLetterFilters) {
  return useQuery({
    queryKey: queueKeys.deadLetters(filters),
    queryFn: ({ signal }) => api.get<Page<DeadLetter>>('/queue/dead-letters', filters, signal),
    placeholderData: keepPreviousData,
    refetchInterval: queueRefreshMs,
  });
}

/** Sends one dead letter again. */
export function useRetryDeadLetter() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.post<DeadLetterRetryResult>(`/queue/dead-letters/${id}/retry`, {}),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queueKeys.all }),
  });
}

/** Sends many dead letters again: the listed ids, or all matching a filter. */
export function useRetryDeadLetters() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (selection: DeadLetterBulkRetry) => api.post<DeadLetterRetryResult>('/queue/dead-letters/retry', selection),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queueKeys.all }),
  });
}
