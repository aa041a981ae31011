import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ImportJob, Page, Recipient, RecipientInput } from '@herald/shared';
import { api } from '../../lib/api.ts';

export type RecipientFilters = { q?: string; isActive?: boolean; limit: number; offset: number };

export const recipientKeys = {
  all: ['recipients'] as const,
  list: (filters: RecipientFilters) => ['recipients', 'list', filters] as const,
  one: (id: string) => ['recipients', 'one', id] as const,
};

/** One page of recipients matching the filters. */
export function useRecipients(filters: RecipientFilters) {
  return useQuery({
    queryKey: recipientKeys.list(filters),
    queryFn: ({ signal }) => api.get<Page<Recipient>>('/recipients', filters, signal),
    placeholderData: keepPreviousData,
  });
}

/** Creates a recipient, or replaces one when `id` is given. */
export function useSaveRecipient() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: RecipientInput }) =>
      id ? api.put<Recipient>(`/recipients/${id}`, input) : api.post<Recipient>('/recipients', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: recipientKeys.all }),
  });
}

/** Deletes a recipient. */
export function useDeleteRecipient() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/recipients/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: recipientKeys.all }),
  });
}

/** Uploads a CSV file as is (the browser streams it); the server answers with the job that imports it in the background. */
export function useImportRecipients() {
  return useMutation({
    mutationFn: async (file: Blob) => (await api.post<{ job: ImportJob }>('/recipients/import', file, { contentType: 'text/csv' })).job,
  });
}

/** A background job, polled every second until it ends (or cannot be read). */
export function useJob(id: string | null) {
  return useQuery({
    queryKey: ['jobs', id],
    queryFn: ({ signal }) => api.get<ImportJob>(`/jobs/${id}`, undefined, signal),
    enabled: Boolean(id),
    refetchInterval: (query) => {
      if (query.state.status === 'error') return false;
      return !query.state.data || query.state.data.status === 'running' ? 1000 : false;
    },
  });
}
