import { Select, type SelectProps } from '@mantine/core';
import { useMemo } from 'react';
import { timeZones } from '../lib/time.ts';

/** A searchable select of every IANA time zone the browser knows. */
export function TimeZoneSelect(props: Omit<SelectProps, 'data'>) {
  const data = useMemo(() => timeZones(), []);
  return <Select searchable limit={60} nothingFoundMessage="No such time zone" maxDropdownHeight={280} comboboxProps={{ withinPortal: true }} {...props} data={data} />;
}
