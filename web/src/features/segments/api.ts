import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Page, Segment, SegmentFieldCatalog, SegmentInput, SegmentPreview, SegmentQuery, SegmentUpdate } from '@herald/shared';
import { api } from '../../lib/api.ts';

const base = '/notifications/segments';

export type SegmentFilters = { search?: string; limit: number; offset: number; withCount: boolean };

export const segmentKeys = {
  all: ['segments'] as const,
  list: (filters: SegmentFilters) => ['segments', 'list', filters] as const,
  one: (id: string) => ['segments', 'one', id] as const,
  fields: ['segments', 'fields'] as const,
  preview: (query: string, sampleSize: number) => ['segments', 'preview', query, sampleSize] as const,
};

/** One page of saved segments; with `withCount`, each with its size now. */
export function useSegments(filters: SegmentFilters, isEnabled = true) {
  return useQuery({
    queryKey: segmentKeys.list(filters),
    queryFn: ({ signal }) => api.get<Page<Segment>>(base, filters, signal),
    placeholderData: keepPreviousData,
    enabled: isEnabled,
  });
}

/** One segment with its size now. */
export function useSegment(id: string | undefined) {
  return useQuery({
    queryKey: segmentKeys.one(id ?? ''),
    queryFn: ({ signal }) => api.get<Segment>(`${base}/${id}`, { withCount: true }, signal),
    enabled: Boolean(id),
  });
}

/** The fields a criterion can use: recipient, engagement and discovered attributes. */
export function useFieldCatalog() {
  return useQuery({
    queryKey: segmentKeys.fields,
    queryFn: ({ signal }) => api.get<SegmentFieldCatalog>(`${base}/fields`, { limit: 1000 }, signal),
    staleTime: 60_000,
  });
}

/**
 * Count and sample of an unsaved query, given as its JSON (so an unchanged query is not asked
 * again); disabled while null. Bad queries answer 4xx, which the editor places at the rules.
 */
export function useSegmentPreview(queryJson: string | null, sampleSize = 8) {
  return useQuery({
    queryKey: segmentKeys.preview(queryJson ?? '', sampleSize),
    queryFn: ({ signal }) => api.post<SegmentPreview>(`${base}/preview`, { query: JSON.parse(queryJson!) as SegmentQuery, sampleSize }, { signal }),
    enabled: queryJson !== null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 15_000,
  });
}

/** Saves a new segment, or changes one when `id` is given (a rename sends the name alone). */
export function useSaveSegment() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: SegmentInput | SegmentUpdate }) =>
      id ? api.put<Segment>(`${base}/${id}`, input) : api.post<Segment>(base, input),
    onSuccess: (saved) => {
      queryClient.setQueryData(segmentKeys.one(saved.id), saved);
      return queryClient.invalidateQueries({ queryKey: segmentKeys.all, predicate: (query) => query.queryKey[1] !== 'one' || query.queryKey[2] !== saved.id });
    },
  });
}

/** Deletes a segment; the API refuses (409) while a schedule uses it. */
export function useDeleteSegment() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`${base}/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: segmentKeys.all }),
  });
}
