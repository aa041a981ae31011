import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Page, Template, TemplateCategory, TemplateContent, TemplateInput, TemplatePreview } from '@herald/shared';
import { api } from '../../lib/api.ts';

export type TemplateFilters = { q?: string; category?: string; limit: number; offset: number };

export const templateKeys = {
  all: ['templates'] as const,
  list: (filters: TemplateFilters) => ['templates', 'list', filters] as const,
  one: (id: string) => ['templates', 'one', id] as const,
  categories: ['templates', 'categories'] as const,
};

/** One page of templates matching the filters. */
export function useTemplates(filters: TemplateFilters) {
  return useQuery({
    queryKey: templateKeys.list(filters),
    queryFn: ({ signal }) => api.get<Page<Template>>('/notifications/templates', filters, signal),
    placeholderData: keepPreviousData,
  });
}

/** One template, when an id is given. */
export function useTemplate(id: string | null | undefined) {
  return useQuery({
    queryKey: templateKeys.one(id ?? ''),
    queryFn: ({ signal }) => api.get<Template>(`/notifications/templates/${id}`, undefined, signal),
    enabled: Boolean(id),
  });
}

/** Every category in use, for the filter and the editor's suggestions. */
export function useTemplateCategories() {
  return useQuery({
    queryKey: templateKeys.categories,
    queryFn: ({ signal }) => api.get<Page<TemplateCategory>>('/notifications/templates/categories', { limit: 500 }, signal),
    staleTime: 60_000,
  });
}

/** Creates a template, or replaces one when `id` is given. */
export function useSaveTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: TemplateInput }) =>
      id ? api.put<Template>(`/notifications/templates/${id}`, input) : api.post<Template>('/notifications/templates', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: templateKeys.all }),
  });
}

/** Deletes a template that no schedule uses. */
export function useDeleteTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/notifications/templates/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: templateKeys.all }),
  });
}

/** Renders unsaved content; disabled while `content` is null (not complete enough to send). */
export function useTemplatePreview(content: TemplateContent | null, recipientId: string | null) {
  return useQuery({
    queryKey: ['templates', 'preview', content, recipientId],
    queryFn: ({ signal }) =>
      api.post<TemplatePreview>('/notifications/templates/preview', { content, ...(recipientId ? { recipientId } : {}) }, { signal }),
    enabled: content !== null,
    retry: false,
    staleTime: Infinity,
  });
}
