import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Delivery, DeliveryEvent, Page, Run, Schedule, ScheduleBulkResult, ScheduleChannelStats, ScheduleHistoryEntry, ScheduleInput, Timing, TimingPreview } from '@herald/shared';
import { api } from '../../lib/api.ts';
import { templateKeys } from '../templates/api.ts';

export type ScheduleFilters = { status?: string; templateId?: string; q?: string; limit: number; offset: number };

const base = '/notifications/scheduled';

export const scheduleKeys = {
  all: ['schedules'] as const,
  list: (filters: ScheduleFilters) => ['schedules', 'list', filters] as const,
  one: (id: string) => ['schedules', 'one', id] as const,
  runs: (id: string, offset: number) => ['schedules', 'runs', id, offset] as const,
  deliveries: (id: string, runId: string, status: string | null, offset: number) => ['schedules', 'deliveries', id, runId, status, offset] as const,
  history: (id: string, offset: number) => ['schedules', 'history', id, offset] as const,
  channels: (id: string) => ['schedules', 'channels', id] as const,
  deliveryEvents: (id: string, deliveryId: number) => ['schedules', 'delivery-events', id, deliveryId] as const,
};

export type StatusAction = 'pause' | 'resume';

/** Pauses (with an optional reason, kept in the history) or resumes one schedule. */
export function useSetScheduleStatus() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action, reason }: { id: string; action: StatusAction; reason?: string }) =>
      api.post<Schedule>(`${base}/${id}/${action}`, reason ? { reason } : {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: scheduleKeys.all }),
  });
}

/** Pauses or resumes many schedules; the answer lists the ones that could not be changed. */
export function useBulkScheduleStatus() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, action, reason }: { ids: string[]; action: StatusAction; reason?: string }) =>
      api.post<ScheduleBulkResult>(`${base}/bulk/${action}`, { ids, ...(reason ? { reason } : {}) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: scheduleKeys.all }),
  });
}

export const historyPageSize = 10;

/** A schedule's audit trail, newest first. */
export function useScheduleHistory(id: string, offset: number) {
  return useQuery({
    queryKey: scheduleKeys.history(id, offset),
    queryFn: ({ signal }) => api.get<Page<ScheduleHistoryEntry>>(`${base}/${id}/history`, { limit: historyPageSize, offset }, signal),
    placeholderData: keepPreviousData,
  });
}

/** How each channel did over all runs of a schedule. */
export function useChannelStats(id: string) {
  return useQuery({
    queryKey: scheduleKeys.channels(id),
    queryFn: ({ signal }) => api.get<ScheduleChannelStats[]>(`${base}/${id}/channels`, undefined, signal),
    refetchInterval: 30_000,
  });
}

/** One page of schedules matching the filters; refreshed while any is about to fire. */
export function useSchedules(filters: ScheduleFilters) {
  return useQuery({
    queryKey: scheduleKeys.list(filters),
    queryFn: ({ signal }) => api.get<Page<Schedule>>(base, filters, signal),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}

/** One schedule; refreshed every 15 s so its next and last run stay true while the page is open. */
export function useSchedule(id: string | undefined) {
  return useQuery({
    queryKey: scheduleKeys.one(id ?? ''),
    queryFn: ({ signal }) => api.get<Schedule>(`${base}/${id}`, undefined, signal),
    enabled: Boolean(id),
    refetchInterval: 15_000,
  });
}

/** Creates a schedule, or replaces one when `id` is given. */
export function useSaveSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: ScheduleInput }) => (id ? api.put<Schedule>(`${base}/${id}`, input) : api.post<Schedule>(base, input)),
    onSuccess: async () => {
      await Promise.all([queryClient.invalidateQueries({ queryKey: scheduleKeys.all }), queryClient.invalidateQueries({ queryKey: templateKeys.all })]);
    },
  });
}

/** Deletes a schedule. */
export function useDeleteSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`${base}/${id}`),
    onSuccess: async () => {
      await Promise.all([queryClient.invalidateQueries({ queryKey: scheduleKeys.all }), queryClient.invalidateQueries({ queryKey: templateKeys.all })]);
    },
  });
}

/** Fires a schedule now, outside its timing; answers with the run it started. */
export function useSendNow() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<Run | { run: Run }>(`${base}/${id}/send-now`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: scheduleKeys.all }),
  });
}

export const runsPageSize = 20;

/** A schedule's runs, newest first; polled every 2 s while one is sending, else every 15 s to see new ones. */
export function useRuns(id: string, offset: number) {
  return useQuery({
    queryKey: scheduleKeys.runs(id, offset),
    queryFn: ({ signal }) => api.get<Page<Run>>(`${base}/${id}/runs`, { limit: runsPageSize, offset }, signal),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((run) => run.status === 'sending') ? 2000 : 15_000),
  });
}

export const deliveriesPageSize = 50;

/** The deliveries of one run, optionally of one status; polled while the run is sending. */
export function useRunDeliveries(id: string, runId: string, status: string | null, offset: number, isSending: boolean) {
  return useQuery({
    queryKey: scheduleKeys.deliveries(id, runId, status, offset),
    queryFn: ({ signal }) =>
      api.get<Page<Delivery>>(`${base}/${id}/runs/${runId}/deliveries`, { status: status ?? undefined, limit: deliveriesPageSize, offset }, signal),
    placeholderData: keepPreviousData,
    refetchInterval: isSending ? 2000 : false,
  });
}

/** The description and next send times of a timing; disabled while `timing` is null (incomplete). */
export function useTimingPreview(timezone: string, timing: Timing | null, count = 5) {
  return useQuery({
    queryKey: ['schedules', 'preview', timezone, timing, count],
    queryFn: ({ signal }) => api.post<TimingPreview>(`${base}/preview`, { timezone, timing, count }, { signal }),
    enabled: timing !== null,
    retry: false,
    staleTime: 30_000,
  });
}

export const deliveryEventsPageSize = 100;

/**
 * One delivery's timeline, oldest first, a page of events at a time (opens and clicks can make
 * it long); polled every 2 s while the delivery can still change on its own (queued or sending).
 */
export function useDeliveryEvents(id: string, deliveryId: number | null, isLive: boolean) {
  return useInfiniteQuery({
    queryKey: scheduleKeys.deliveryEvents(id, deliveryId ?? 0),
    queryFn: ({ pageParam, signal }) =>
      api.get<Page<DeliveryEvent>>(`${base}/${id}/deliveries/${deliveryId}/events`, { limit: deliveryEventsPageSize, offset: pageParam }, signal),
    initialPageParam: 0,
    getNextPageParam: (last) => (last.offset + last.items.length < last.total ? last.offset + last.items.length : undefined),
    enabled: deliveryId !== null,
    refetchInterval: isLive ? 2000 : false,
  });
}
