import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { meKey } from '../auth/use-me.ts';
import { ApiError } from '../lib/api.ts';

/** One QueryClient for the app: no retries on 4xx, and any 401 sends the person back to sign in. */
export function createQueryClient(): QueryClient {
  const onError = (error: unknown) => {
    // A session that expired mid-use: forget who was signed in, the sign-in page appears.
    if (error instanceof ApiError && error.status === 401) queryClient.setQueryData(meKey, null);
  };
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
  return queryClient;
}
