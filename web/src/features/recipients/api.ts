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

/** Uploads a CSV file; the server answers with the job that imports it in the background. */
export function useImportRecipients() {
  return useMutation({
    mutationFn: async (csv: string) => {
      const body = await api.post<{ job: ImportJob } | ImportJob>('/recipients/import', csv, { contentType: 'text/csv' });
      return 'job' in body ? body.job : body;
    },
  });
}

/** A background job, polled every second until it ends. */
export function useJob(id: string | null) {
  return useQuery({
    queryKey: ['jobs', id],
    queryFn: ({ signal }) => api.get<ImportJob>(`/jobs/${id}`, undefined, signal),
    enabled: Boolean(id),
    refetchInterval: (query) => (query.state.data?.status === 'running' || !query.state.data ? 1000 : false),
  });
}
