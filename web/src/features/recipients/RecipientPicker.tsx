import { MultiSelect, Select, type ComboboxItem, type MultiSelectProps, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { Page, Recipient } from '@herald/shared';
import { api } from '../../lib/api.ts';
import { keepAllOptions } from '../../lib/keep-all-options.ts';
import { recipientKeys } from './api.ts';

/** How a recipient reads in a picker: name and email, else whatever identifies them. */
export function recipientLabel(recipient: Pick<Recipient, 'name' | 'email' | 'externalId' | 'phone'>): string {
  const contact = recipient.email ?? recipient.phone;
  if (recipient.name) return contact ? `${recipient.name} <${contact}>` : recipient.name;
  return contact ? `${contact} (${recipient.externalId})` : recipient.externalId;
}

function useRecipientSearch(search: string) {
  const [q] = useDebouncedValue(search.trim(), 250);
  return useQuery({
    queryKey: ['recipients', 'search', q],
    queryFn: ({ signal }) => api.get<Page<Recipient>>('/recipients', { q: q || undefined, limit: 20 }, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

const dataOf = (results: Array<{ data: Recipient | undefined }>) => results.map((result) => result.data);

/** Labels for ids chosen before this page loaded (an existing schedule's test list). */
function useKnownRecipients(ids: readonly string[]) {
  return useQueries({
    queries: ids.slice(0, 50).map((id) => ({
      queryKey: recipientKeys.one(id),
      queryFn: ({ signal }: { signal: AbortSignal }) => api.get<Recipient>(`/recipients/${id}`, undefined, signal),
      staleTime: 5 * 60_000,
    })),
    combine: dataOf,
  });
}

function optionsOf(found: Recipient[] | undefined, known: Array<Recipient | undefined>, selected: readonly string[]): ComboboxItem[] {
  const byId = new Map<string, ComboboxItem>();
  for (const recipient of [...known, ...(found ?? [])]) {
    if (recipient) byId.set(recipient.id, { value: recipient.id, label: recipientLabel(recipient) });
  }
  // A chosen id whose recipient is not loaded yet still needs an option, or it would vanish.
  for (const id of selected) if (!byId.has(id)) byId.set(id, { value: id, label: id });
  return [...byId.values()];
}

/** Picks several recipients, searching them on the server as you type. */
export function RecipientMultiSelect({ value, onChange, ...props }: Omit<MultiSelectProps, 'data' | 'value' | 'onChange'> & { value: string[]; onChange: (ids: string[]) => void }) {
  const [search, setSearch] = useState('');
  const found = useRecipientSearch(search);
  const known = useKnownRecipients(value);
  const data = useMemo(() => optionsOf(found.data?.items, known, value), [found.data, known, value]);
  return (
    <MultiSelect
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={keepAllOptions}
      data={data}
      value={value}
      onChange={onChange}
      nothingFoundMessage={found.isFetching ? 'Searching…' : 'No recipient matches'}
      hidePickedOptions
      maxDropdownHeight={260}
      {...props}
    />
  );
}

/** Picks one recipient, searching them on the server as you type. */
export function RecipientSelect({ value, onChange, ...props }: Omit<SelectProps, 'data' | 'value' | 'onChange'> & { value: string | null; onChange: (id: string | null) => void }) {
  const [search, setSearch] = useState('');
  const found = useRecipientSearch(search);
  const selected = useMemo(() => (value ? [value] : []), [value]);
  const known = useKnownRecipients(selected);
  const data = useMemo(() => optionsOf(found.data?.items, known, selected), [found.data, known, selected]);
  return (
    <Select
      searchable
      onSearchChange={setSearch}
      filter={keepAllOptions}
      data={data}
      value={value}
      onChange={onChange}
      nothingFoundMessage={found.isFetching ? 'Searching…' : 'No recipient matches'}
      clearable
      {...props}
    />
  );
}
