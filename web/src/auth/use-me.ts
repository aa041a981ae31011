import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../lib/api.ts';
import type { Me } from './types.ts';

export const meKey = ['auth', 'me'] as const;

/** The signed-in person, or null when nobody is signed in. */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async ({ signal }) => {
      try {
        return await api.get<Me>('/auth/me', undefined, signal);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 5 * 60_000,
    retry: false,
  });
}

/** What the signed-in person may do; every write button asks this. */
export function usePermissions(): { canWrite: boolean; isAdmin: boolean } {
  const { data: me } = useMe();
  const role = me?.role;
  return { canWrite: role === 'admin' || role === 'editor', isAdmin: role === 'admin' };
}
