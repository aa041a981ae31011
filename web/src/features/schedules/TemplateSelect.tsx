import { Select, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMemo, useState } from 'react';
import type { Template } from '@herald/shared';
import { keepAllOptions } from '../../lib/keep-all-options.ts';
import { useTemplate, useTemplates } from '../templates/api.ts';

type TemplateSelectProps = Omit<SelectProps, 'data' | 'value' | 'onChange'> & {
  value: string | null;
  onChange: (template: Template | null) => void;
};

/** Picks a template, searching the library on the server as you type. */
export function TemplateSelect({ value, onChange, ...props }: TemplateSelectProps) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const selected = useTemplate(value);
  // Searching for the chosen template's own name would hide the others: search only what was typed.
  const isTyping = Boolean(q) && q !== selected.data?.name;
  const found = useTemplates({ q: isTyping ? q : undefined, limit: 50, offset: 0 });
  const byId = useMemo(() => {
    const map = new Map<string, Template>();
    for (const template of found.data?.items ?? []) map.set(template.id, template);
    if (selected.data) map.set(selected.data.id, selected.data);
    return map;
  }, [found.data, selected.data]);
  const data = useMemo(() => [...byId.values()].map((template) => ({ value: template.id, label: template.name })), [byId]);
  return (
    <Select
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={keepAllOptions}
      data={data}
      value={value}
      onChange={(id) => onChange(id ? (byId.get(id) ?? null) : null)}
      nothingFoundMessage={found.isFetching ? 'Searching…' : 'No template matches'}
      allowDeselect={false}
      {...props}
    />
  );
}
