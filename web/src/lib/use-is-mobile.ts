import { useMediaQuery } from '@mantine/hooks';

/** True on phone-sized screens (below Mantine's `sm` breakpoint), where modals go full screen and tables become cards. */
export function useIsMobile(): boolean {
  return useMediaQuery('(max-width: 48em)', false, { getInitialValueInEffect: false }) ?? false;
}
