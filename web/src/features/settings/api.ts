import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiToken, Role, User } from '../../auth/types.ts';
import { api } from '../../lib/api.ts';

const userKeys = { all: ['users'] as const };
const tokenKeys = { all: ['tokens'] as const };

/** Everyone who can sign in. */
export function useUsers() {
  return useQuery({ queryKey: userKeys.all, queryFn: ({ signal }) => api.get<{ items: User[] }>('/users', undefined, signal) });
}

export type NewUser = { email: string; name: string; role: Role; password: string };

/** Creates a user who can sign in with the given password. */
export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: NewUser) => api.post<User>('/users', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** Changes a user's role. */
export function useChangeRole() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, role }: { id: string; role: Role }) => api.put<User>(`/users/${id}`, { role }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** Deletes a user. */
export function useDeleteUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/users/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** Every API token (never the token itself: only its prefix). */
export function useTokens() {
  return useQuery({ queryKey: tokenKeys.all, queryFn: ({ signal }) => api.get<{ items: ApiToken[] }>('/tokens', undefined, signal) });
}

/** Creates a token; the answer carries the token, shown this once. */
export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; role: Role }) => api.post<ApiToken & { token: string }>('/tokens', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokenKeys.all }),
  });
}

/** Revokes a token: programs using it are refused from now on. */
export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/tokens/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokenKeys.all }),
  });
}
