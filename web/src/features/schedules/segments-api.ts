import { useQuery } from '@tanstack/react-query';
import type { Page } from '@herald/shared';
import { api } from '../../lib/api.ts';

/**
 * What the audience picker needs of a segment. The segment contract is owned by the segment
 * builder; only these fields are read here, so it can grow without breaking this picker.
 */
export type SegmentOption = { id: string; name: string; description?: string | null };

/** The saved segments, for the audience dropdown. */
export function useSegmentOptions(isEnabled: boolean) {
  return useQuery({
    queryKey: ['segments', 'options'],
    queryFn: ({ signal }) => api.get<Page<SegmentOption>>('/notifications/segments', { limit: 500 }, signal),
    enabled: isEnabled,
    staleTime: 60_000,
  });
}
