import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DeliverySettings, DeliverySettingsInput, DeliveryUsage } from '@herald/shared';
import { api } from '../../lib/api.ts';

export const deliveryKeys = {
  settings: ['delivery', 'settings'] as const,
  usage: ['delivery', 'usage'] as const,
};

/** The instance's rate limits, retry policies, frequency cap and costs. */
export function useDeliverySettings() {
  return useQuery({ queryKey: deliveryKeys.settings, queryFn: ({ signal }) => api.get<DeliverySettings>('/settings/delivery', undefined, signal) });
}

/** What every limit is using right now; refreshed every 5 s while shown. */
export function useDeliveryUsage() {
  return useQuery({
    queryKey: deliveryKeys.usage,
    queryFn: ({ signal }) => api.get<DeliveryUsage>('/settings/delivery/usage', undefined, signal),
    refetchInterval: 5_000,
  });
}

/** Replaces the delivery settings (admins); the usage follows the new limits at once. */
export function useSaveDeliverySettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: DeliverySettingsInput) => api.put<DeliverySettings>('/settings/delivery', input),
    onSuccess: (saved) => {
      queryClient.setQueryData(deliveryKeys.settings, saved);
      return queryClient.invalidateQueries({ queryKey: deliveryKeys.usage });
    },
  });
}
