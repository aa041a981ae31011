import { useQuery } from '@tanstack/react-query';
import type { Page, Segment } from '@herald/shared';
import { api } from '../../lib/api.ts';

/** The saved segments, for the audience dropdown and the schedule page. */
export function useSegmentOptions(isEnabled: boolean) {
  return useQuery({
    queryKey: ['segments', 'options'],
    queryFn: ({ signal }) => api.get<Page<Segment>>('/notifications/segments', { limit: 500 }, signal),
    enabled: isEnabled,
    staleTime: 60_000,
  });
}
